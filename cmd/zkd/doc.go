// Command zkd runs a ZooKeeper-compatible server.
//
//	zkd                 standalone on 127.0.0.1:2181, data under ./zkd-data
//	zkd path/to/zoo.cfg start from an unmodified ZooKeeper config, as
//	                    `zkServer.sh start-foreground zoo.cfg` does
//
// Flags: -debug logs at debug level; -pprof host:port serves Go's runtime
// profiles on a listener of their own (off by default).
//
// Java system properties given as -Dzookeeper.X=... in SERVER_JVMFLAGS or
// JVMFLAGS are honoured as ZooKeeper honours them. The process runs in the
// foreground and exits cleanly on SIGTERM or SIGINT.
package main
