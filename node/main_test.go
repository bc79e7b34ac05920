package node_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any goroutine outlives the tests: every
// zktest server is closed by its test's cleanup, so a leftover goroutine
// means node.Close (or the server under it) did not stop what it started.
// go-zookeeper's Conn.Close does not wait for its own goroutines, but
// goleak's retries give them time to finish, so nothing is ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
