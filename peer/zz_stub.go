package peer

// TEMPORARY stub until link blocking lands from the snap-stream branch.
func (t *Transport) Block(id uint64, blocked bool) {}
