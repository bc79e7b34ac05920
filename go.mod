module github.com/zkd-io/zkd

go 1.26.8

require (
	github.com/go-zookeeper/zk v1.0.4
	go.etcd.io/raft/v3 v3.7.0
	go.uber.org/goleak v1.3.0
	google.golang.org/protobuf v1.36.11
)
