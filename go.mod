module github.com/zkd-io/zkd

go 1.26.8

require (
	github.com/go-zookeeper/zk v1.0.4 // indirect
	go.etcd.io/raft/v3 v3.7.0 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
