package proto

// NewRequest returns an empty record for the request body that follows a
// RequestHeader of type op, or nil when op has no body (ping, closeSession,
// whoAmI) or is not a client opcode.
func NewRequest(op OpCode) Record {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpExists:
		return &ExistsRequest{}
	case OpGetData:
		return &GetDataRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpGetACL:
		return &GetACLRequest{}
	case OpSetACL:
		return &SetACLRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	case OpSync:
		return &SyncRequest{}
	case OpGetChildren2:
		return &GetChildren2Request{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpMulti, OpMultiRead:
		return &MultiRequest{}
	case OpReconfig:
		return &ReconfigRequest{}
	case OpCheckWatches:
		return &CheckWatchesRequest{}
	case OpRemoveWatches:
		return &RemoveWatchesRequest{}
	case OpDeleteContainer:
		return &DeleteContainerRequest{}
	case OpAuth:
		return &AuthPacket{}
	case OpSetWatches:
		return &SetWatches{}
	case OpSASL:
		return &GetSASLRequest{}
	case OpGetEphemerals:
		return &GetEphemeralsRequest{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberRequest{}
	case OpSetWatches2:
		return &SetWatches2{}
	case OpAddWatch:
		return &AddWatchRequest{}
	}
	return nil
}

// NewResponse returns an empty record for the body of a successful
// (err 0) reply to a request of type op, or nil when such a reply is
// header-only (delete, check, ping, closeSession, auth, setWatches,
// checkWatches, removeWatches, ...) or op is not a client opcode.
func NewResponse(op OpCode) Record {
	switch op {
	case OpCreate:
		return &CreateResponse{}
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return &Create2Response{}
	case OpExists:
		return &ExistsResponse{}
	case OpGetData, OpReconfig:
		return &GetDataResponse{}
	case OpSetData:
		return &SetDataResponse{}
	case OpGetACL:
		return &GetACLResponse{}
	case OpSetACL:
		return &SetACLResponse{}
	case OpGetChildren:
		return &GetChildrenResponse{}
	case OpSync:
		return &SyncResponse{}
	case OpGetChildren2:
		return &GetChildren2Response{}
	case OpMulti, OpMultiRead:
		return &MultiResponse{}
	case OpSASL:
		return &SetSASLResponse{}
	case OpGetEphemerals:
		return &GetEphemeralsResponse{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberResponse{}
	case OpAddWatch:
		return &ErrorResponse{}
	case OpWhoAmI:
		return &WhoAmIResponse{}
	}
	return nil
}
