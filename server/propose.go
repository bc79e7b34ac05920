package server

// proposal is one encoded fsm entry on its way to the log. onFail runs on
// the state loop if the Replicator refuses it.
type proposal struct {
	data   []byte
	onFail func(error)
}

// propose hands pr to the Replicator, which queues it without blocking
// the state loop; a refusal comes back to the state loop as pr.onFail.
func (s *Server) propose(pr proposal) {
	var onFail func(error)
	if f := pr.onFail; f != nil {
		onFail = func(err error) { s.post(func() { f(err) }) }
	}
	s.repl.Enqueue(pr.data, onFail)
}
