// Package zktest starts in-process zkd servers for tests: on 127.0.0.1
// port 0, with a temporary data directory, stopped by t.Cleanup. Users'
// own tests can import it as they would run a ZooKeeper test server.
package zktest
