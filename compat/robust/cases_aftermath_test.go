package robust

// aftermathCases run last and check that earlier cases left the tree as
// they should have.
func aftermathCases() []hostileCase {
	absent := func(name, path string) hostileCase {
		return hostileCase{name: name, send: func() []byte { return exists(1, path) }, replies: 1, want: "1:-101 open"}
	}
	present := func(name, path string) hostileCase {
		return hostileCase{name: name, send: func() []byte { return exists(1, path) }, replies: 1, want: "1:OK open"}
	}
	return []hostileCase{
		absent("after/no-write-after-close-session", "/robust-after-close"),
		absent("after/no-node-from-refused-creates", "/robust-vec"),
		absent("after/failed-multi-applied-nothing", "/robust-none"),
		absent("after/mixed-multi-applied-nothing", "/robust-mixed"),
		present("after/zookeeper-node-survived", "/zookeeper"),
		present("after/long-path-node", "/robust-long"),
	}
}
