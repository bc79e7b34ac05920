package proto

// Sample records shared by the round-trip, fuzz-seed and opcode tests.

var sampleStat = Stat{
	Czxid: 0x100000001, Mzxid: 0x100000002, Ctime: 1700000000000, Mtime: 1700000000123,
	Version: 3, Cversion: -1, Aversion: 2, EphemeralOwner: 0x1000000abcd0000,
	DataLength: 5, NumChildren: 7, Pzxid: 0x100000003,
}

var sampleACL = []ACL{
	{Perms: PermAll, ID: Id{Scheme: "world", ID: "anyone"}},
	{Perms: PermRead | PermWrite, ID: Id{Scheme: "digest", ID: "bob:abc="}},
}

// sample is one record value with the opcode whose body it is (op < 0
// when it is not a request/response body of any opcode).
type sample struct {
	name  string
	op    OpCode
	isReq bool
	rec   Record
	fresh func() Record
}

func reqSample(name string, op OpCode, rec Record) sample {
	return sample{name: name, op: op, isReq: true, rec: rec, fresh: func() Record { return NewRequest(op) }}
}

func respSample(name string, op OpCode, rec Record) sample {
	return sample{name: name, op: op, rec: rec, fresh: func() Record { return NewResponse(op) }}
}

func otherSample(name string, rec Record, fresh func() Record) sample {
	return sample{name: name, op: -100, rec: rec, fresh: fresh}
}

func sampleMultiWrite() *MultiRequest {
	return &MultiRequest{Ops: []MultiOp{
		{Type: OpCreate, Req: &CreateRequest{Path: "/a", Data: []byte("x"), ACL: OpenACLUnsafe, Flags: ModePersistent}},
		{Type: OpCreate2, Req: &CreateRequest{Path: "/a/b", Data: nil, ACL: sampleACL, Flags: ModeEphemeralSequential}},
		{Type: OpCreateContainer, Req: &CreateRequest{Path: "/c", Data: []byte{}, ACL: OpenACLUnsafe, Flags: ModeContainer}},
		{Type: OpCreateTTL, Req: &CreateTTLRequest{Path: "/t", ACL: OpenACLUnsafe, Flags: ModePersistentWithTTL, TTL: 5000}},
		{Type: OpDelete, Req: &DeleteRequest{Path: "/d", Version: -1}},
		{Type: OpSetData, Req: &SetDataRequest{Path: "/a", Data: []byte("y"), Version: 0}},
		{Type: OpCheck, Req: &CheckVersionRequest{Path: "/a", Version: 1}},
	}}
}

func sampleMultiRead() *MultiRequest {
	return &MultiRequest{Ops: []MultiOp{
		{Type: OpGetData, Req: &GetDataRequest{Path: "/a", Watch: false}},
		{Type: OpGetChildren, Req: &GetChildrenRequest{Path: "/", Watch: true}},
	}}
}

func sampleMultiOK() *MultiResponse {
	return &MultiResponse{Results: []MultiResult{
		{Type: OpCreate, Resp: &CreateResponse{Path: "/a"}},
		{Type: OpCreate2, Resp: &Create2Response{Path: "/a/b0000000001", Stat: sampleStat}},
		{Type: OpDelete},
		{Type: OpSetData, Resp: &SetDataResponse{Stat: sampleStat}},
		{Type: OpCheck},
	}}
}

func sampleMultiFailed() *MultiResponse {
	return &MultiResponse{Results: []MultiResult{
		{Type: OpError, Err: OK, Resp: &ErrorResponse{Err: OK}},
		{Type: OpError, Err: ErrNoNode, Resp: &ErrorResponse{Err: ErrNoNode}},
		{Type: OpError, Err: ErrRuntimeInconsistency, Resp: &ErrorResponse{Err: ErrRuntimeInconsistency}},
	}}
}

func sampleMultiReadResults() *MultiResponse {
	return &MultiResponse{Results: []MultiResult{
		{Type: OpGetData, Resp: &GetDataResponse{Data: nil, Stat: sampleStat}},
		{Type: OpGetChildren, Resp: &GetChildrenResponse{Children: []string{"x", "y"}}},
		{Type: OpError, Err: ErrNoAuth, Resp: &ErrorResponse{Err: ErrNoAuth}},
	}}
}

// samples lists at least one value of every record, with null/empty
// variants where the wire form distinguishes them.
func samples() []sample {
	return []sample{
		otherSample("RequestHeader", &RequestHeader{Xid: 5, Type: OpGetData}, func() Record { return &RequestHeader{} }),
		otherSample("RequestHeader/ping", &RequestHeader{Xid: XidPing, Type: OpPing}, func() Record { return &RequestHeader{} }),
		otherSample("ReplyHeader", &ReplyHeader{Xid: 5, Zxid: 0x10, Err: ErrNoNode}, func() Record { return &ReplyHeader{} }),
		otherSample("MultiHeader", &MultiHeader{Type: OpError, Done: true, Err: -1}, func() Record { return &MultiHeader{} }),
		otherSample("WatcherEvent", &WatcherEvent{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/a"}, func() Record { return &WatcherEvent{} }),
		otherSample("Id", &Id{Scheme: "ip", ID: "10.0.0.0/8"}, func() Record { return &Id{} }),
		otherSample("ACL", &ACL{Perms: PermAdmin, ID: WorldAnyone}, func() Record { return &ACL{} }),
		otherSample("Stat", &sampleStat, func() Record { return &Stat{} }),
		otherSample("ClientInfo", &ClientInfo{AuthScheme: "ip", User: "127.0.0.1"}, func() Record { return &ClientInfo{} }),
		otherSample("ConnectRequest/readOnly", &ConnectRequest{LastZxidSeen: 9, TimeOut: 30000, SessionID: 7, Passwd: make([]byte, 16), ReadOnly: true, HasReadOnly: true}, func() Record { return &ConnectRequest{} }),
		otherSample("ConnectRequest/old", &ConnectRequest{ProtocolVersion: 0, TimeOut: 4000, Passwd: []byte{}}, func() Record { return &ConnectRequest{} }),
		otherSample("ConnectRequest/nullPasswd", &ConnectRequest{TimeOut: 4000, Passwd: nil, HasReadOnly: true}, func() Record { return &ConnectRequest{} }),
		otherSample("ConnectResponse/readOnly", &ConnectResponse{TimeOut: 30000, SessionID: 0x1000000abcd0000, Passwd: []byte("0123456789abcdef"), HasReadOnly: true}, func() Record { return &ConnectResponse{} }),
		otherSample("ConnectResponse/old", &ConnectResponse{TimeOut: 0, SessionID: 0, Passwd: make([]byte, 16)}, func() Record { return &ConnectResponse{} }),

		reqSample("CreateRequest", OpCreate, &CreateRequest{Path: "/a", Data: []byte("hello"), ACL: sampleACL, Flags: ModePersistentSequential}),
		reqSample("CreateRequest/nulls", OpCreate2, &CreateRequest{Path: "/a", Data: nil, ACL: nil, Flags: ModeEphemeral}),
		reqSample("CreateRequest/empties", OpCreateContainer, &CreateRequest{Path: "", Data: []byte{}, ACL: []ACL{}, Flags: ModeContainer}),
		reqSample("CreateTTLRequest", OpCreateTTL, &CreateTTLRequest{Path: "/t", Data: []byte{0, 1}, ACL: OpenACLUnsafe, Flags: ModePersistentSequentialWithTTL, TTL: MaxTTL}),
		reqSample("DeleteRequest", OpDelete, &DeleteRequest{Path: "/a", Version: -1}),
		reqSample("DeleteContainerRequest", OpDeleteContainer, &DeleteContainerRequest{Path: "/c"}),
		reqSample("ExistsRequest", OpExists, &ExistsRequest{Path: "/a", Watch: true}),
		reqSample("GetDataRequest", OpGetData, &GetDataRequest{Path: "/a", Watch: true}),
		reqSample("SetDataRequest", OpSetData, &SetDataRequest{Path: "/a", Data: []byte("v2"), Version: 4}),
		reqSample("SetDataRequest/null", OpSetData, &SetDataRequest{Path: "/a", Data: nil, Version: -1}),
		reqSample("GetACLRequest", OpGetACL, &GetACLRequest{Path: "/a"}),
		reqSample("SetACLRequest", OpSetACL, &SetACLRequest{Path: "/a", ACL: sampleACL, Version: 1}),
		reqSample("SetACLRequest/null", OpSetACL, &SetACLRequest{Path: "/a", ACL: nil, Version: -1}),
		reqSample("GetChildrenRequest", OpGetChildren, &GetChildrenRequest{Path: "/", Watch: false}),
		reqSample("GetChildren2Request", OpGetChildren2, &GetChildren2Request{Path: "/x", Watch: true}),
		reqSample("SyncRequest", OpSync, &SyncRequest{Path: "/"}),
		reqSample("CheckVersionRequest", OpCheck, &CheckVersionRequest{Path: "/a", Version: 2}),
		reqSample("MultiRequest/write", OpMulti, sampleMultiWrite()),
		reqSample("MultiRequest/read", OpMultiRead, sampleMultiRead()),
		reqSample("MultiRequest/empty", OpMulti, &MultiRequest{}),
		reqSample("ReconfigRequest", OpReconfig, &ReconfigRequest{JoiningServers: "server.4=h:2888:3888;2181", LeavingServers: "2,3", NewMembersNull: true, CurConfigID: -1}),
		reqSample("ReconfigRequest/allNull", OpReconfig, &ReconfigRequest{JoiningNull: true, LeavingNull: true, NewMembersNull: true, CurConfigID: 0x100000000}),
		reqSample("ReconfigRequest/empty", OpReconfig, &ReconfigRequest{NewMembers: "server.1=a:1:2", JoiningNull: true}),
		reqSample("CheckWatchesRequest", OpCheckWatches, &CheckWatchesRequest{Path: "/a", Type: WatcherData}),
		reqSample("RemoveWatchesRequest", OpRemoveWatches, &RemoveWatchesRequest{Path: "/a", Type: WatcherAny}),
		reqSample("AuthPacket", OpAuth, &AuthPacket{Type: 0, Scheme: "digest", Auth: []byte("bob:secret")}),
		reqSample("AuthPacket/null", OpAuth, &AuthPacket{Scheme: "ip", Auth: nil}),
		reqSample("SetWatches", OpSetWatches, &SetWatches{RelativeZxid: 42, DataWatches: []string{"/a", "/b"}, ExistWatches: []string{}, ChildWatches: nil}),
		reqSample("SetWatches2", OpSetWatches2, &SetWatches2{RelativeZxid: 43, DataWatches: []string{"/a"}, ExistWatches: nil, ChildWatches: []string{""}, PersistentWatches: []string{}, PersistentRecursiveWatches: []string{"/r"}}),
		reqSample("GetSASLRequest", OpSASL, &GetSASLRequest{Token: []byte{1, 2, 3}}),
		reqSample("GetSASLRequest/empty", OpSASL, &GetSASLRequest{Token: []byte{}}),
		reqSample("GetEphemeralsRequest", OpGetEphemerals, &GetEphemeralsRequest{PrefixPath: "/app"}),
		reqSample("GetAllChildrenNumberRequest", OpGetAllChildrenNumber, &GetAllChildrenNumberRequest{Path: "/"}),
		reqSample("AddWatchRequest", OpAddWatch, &AddWatchRequest{Path: "/a", Mode: AddWatchPersistentRecursive}),

		respSample("CreateResponse", OpCreate, &CreateResponse{Path: "/a0000000001"}),
		respSample("Create2Response", OpCreate2, &Create2Response{Path: "/a", Stat: sampleStat}),
		respSample("ExistsResponse", OpExists, &ExistsResponse{Stat: sampleStat}),
		respSample("GetDataResponse", OpGetData, &GetDataResponse{Data: []byte("hello"), Stat: sampleStat}),
		respSample("GetDataResponse/null", OpGetData, &GetDataResponse{Data: nil, Stat: sampleStat}),
		respSample("GetDataResponse/empty", OpReconfig, &GetDataResponse{Data: []byte{}, Stat: sampleStat}),
		respSample("SetDataResponse", OpSetData, &SetDataResponse{Stat: sampleStat}),
		respSample("GetACLResponse", OpGetACL, &GetACLResponse{ACL: sampleACL, Stat: sampleStat}),
		respSample("SetACLResponse", OpSetACL, &SetACLResponse{Stat: sampleStat}),
		respSample("GetChildrenResponse", OpGetChildren, &GetChildrenResponse{Children: []string{"b", "a", ""}}),
		respSample("GetChildrenResponse/null", OpGetChildren, &GetChildrenResponse{Children: nil}),
		respSample("GetChildrenResponse/empty", OpGetChildren, &GetChildrenResponse{Children: []string{}}),
		respSample("GetChildren2Response", OpGetChildren2, &GetChildren2Response{Children: []string{"z"}, Stat: sampleStat}),
		respSample("SyncResponse", OpSync, &SyncResponse{Path: "/a"}),
		respSample("MultiResponse/ok", OpMulti, sampleMultiOK()),
		respSample("MultiResponse/failed", OpMulti, sampleMultiFailed()),
		respSample("MultiResponse/read", OpMultiRead, sampleMultiReadResults()),
		respSample("MultiResponse/empty", OpMulti, &MultiResponse{}),
		respSample("SetSASLResponse", OpSASL, &SetSASLResponse{Token: nil}),
		respSample("GetEphemeralsResponse", OpGetEphemerals, &GetEphemeralsResponse{Ephemerals: []string{"/e1", "/e2"}}),
		respSample("GetAllChildrenNumberResponse", OpGetAllChildrenNumber, &GetAllChildrenNumberResponse{TotalNumber: 12345}),
		respSample("ErrorResponse", OpAddWatch, &ErrorResponse{Err: OK}),
		respSample("WhoAmIResponse", OpWhoAmI, &WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}, {AuthScheme: "digest", User: "bob"}}}),
		respSample("WhoAmIResponse/null", OpWhoAmI, &WhoAmIResponse{ClientInfo: nil}),
		respSample("WhoAmIResponse/empty", OpWhoAmI, &WhoAmIResponse{ClientInfo: []ClientInfo{}}),
	}
}
