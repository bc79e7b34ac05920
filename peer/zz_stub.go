package peer

// TEMPORARY stubs until the snap-stream branch lands.
func (t *Transport) SendTouches(to uint64, ids []int64) {}
func (t *Transport) Block(id uint64, blocked bool)      {}
