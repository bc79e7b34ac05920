// Command zkd runs a ZooKeeper-compatible server.
//
//	zkd                 standalone on 127.0.0.1:2181, data under ./zkd-data
//	zkd path/to/zoo.cfg start from an unmodified ZooKeeper config, as
//	                    `zkServer.sh start-foreground zoo.cfg` does
//
// Java system properties given as -Dzookeeper.X=... in SERVER_JVMFLAGS or
// JVMFLAGS are honoured as ZooKeeper honours them. The process runs in the
// foreground and exits cleanly on SIGTERM or SIGINT.
package main
