package peer

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Answers to a hello (doc.go): one status byte and the answering
// member's cluster id.
const (
	answerOK            = 0
	answerOtherCluster  = 1
	answerUnknownMember = 2
	answerWrongMember   = 3
	answerReplaced      = 4
	answerProbe         = 5
)

// errProbe ends the connection of a probe after its answer.
var errProbe = errors.New("peer: probe answered")

// RefusedError is a member's refusal of a hello.
type RefusedError struct {
	Member  uint64 // the member that refused
	Reason  byte   // the answer's status
	Cluster uint64 // its cluster id
}

// Replaced reports whether the member refused because it knows this
// member with another data directory.
func (e *RefusedError) Replaced() bool { return e.Reason == answerReplaced }

func (e *RefusedError) Error() string {
	why := map[byte]string{
		answerOtherCluster:  fmt.Sprintf("it belongs to cluster %016x", e.Cluster),
		answerUnknownMember: "this member is not in its configuration",
		answerWrongMember:   "the address reaches another member",
		answerReplaced:      "it knows this member with another data directory (wiped or replaced)",
	}[e.Reason]
	if why == "" {
		why = fmt.Sprintf("answer %d", e.Reason)
	}
	return fmt.Sprintf("member %d refused the connection: %s", e.Member, why)
}

// Probe asks the member at addr (member id to) which cluster it belongs
// to, introducing this member as from with its data directory's
// incarnation; a fresh member uses it before it has a cluster id (doc.go,
// Joining). It returns the cluster id, or a *RefusedError (Replaced when
// the ensemble knows this member with other data).
func Probe(ctx context.Context, addr string, from, to, incarnation uint64) (uint64, error) {
	timeout := helloTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	_, cluster, err := handshake(ctx, addr, timeout, 0, from, to, incarnation)
	return cluster, err
}
