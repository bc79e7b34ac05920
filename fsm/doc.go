// Package fsm is zkd's deterministic replicated state machine: the log
// entry format, and Apply, which turns a committed entry into a change of
// the data tree and the session table plus a result and the watch events
// the change fires.
//
// # Determinism
//
// The package is pure: no goroutines, locks, clocks or I/O. Every replica
// that applies the same entries in the same order, starting from the same
// state, computes the same tree, sessions, results and changes. The only
// inputs are the FSM's state, its Config (which must be equal on every
// replica) and the entry, which carries everything else: the session id,
// the proposer's wall clock (Entry.Time, used for ctime/mtime and TTL and
// container expiry) and the connection's auth ids (Entry.Auth, used for ACL
// checks and "auth" scheme expansion). An FSM is not safe for concurrent
// use; its owner (the server's state loop) serialises Apply and Read.
//
// # zxid
//
// Apply(index, e) uses zxid = int64(index), the Raft log index. Every entry
// consumes its zxid, including failed requests, session creation and close,
// and reaping; LastZxid reports the index of the last applied entry. A
// successful write stamps czxid/mzxid/pzxid with that zxid.
//
// # Entry format (version 1)
//
// All integers are big-endian two's complement; a buffer or string is an
// int32 length followed by the bytes, length -1 meaning null (nil); a
// vector is an int32 count (-1 null) followed by the elements. That is,
// the Jute encoding of package jute.
//
//	byte    version      = 1
//	byte    type         1 request, 2 createSession, 3 closeSession, 4 reap
//	long    session      Entry.Session
//	int     xid          Entry.Xid
//	long    time         Entry.Time (ms since the epoch)
//	then, by type:
//	  request:        int op; vector<{ustring scheme; ustring id}> auth; buffer body
//	  createSession:  int timeout; buffer password
//	  closeSession:   nothing
//	  reap:           vector<ustring> paths
//
// Fields that a type does not list are not encoded (they decode as zero).
// Null vectors and buffers stay nil, empty ones stay empty; strings inside
// vectors are never null. UnmarshalEntry rejects an unknown version or
// type, a truncated entry, a null string inside a vector and trailing
// bytes with an error wrapping ErrBadEntry; it never panics. The encoding
// is canonical: Marshal of a decoded entry reproduces its bytes.
//
// # Requests and validation order
//
// An EntryRequest carries the client's opcode and the request record bytes
// that followed its RequestHeader. Apply decodes Body with proto.NewRequest;
// an undecodable body answers ErrMarshallingError. Write opcodes are
// create (1), create2 (15), createContainer (19), createTTL (21), delete
// (2), setData (5), setACL (7), multi (14) and reconfig (16); sync (9)
// is accepted as a no-op write that echoes its path (for callers that order
// sync through the log). deleteContainer (20) from a client, standalone
// check (13) and every other opcode answer ErrUnimplemented.
//
// Each write validates in ZooKeeper's PrepRequestProcessor order and the
// first failing check decides the error (PROTOCOL.md §3.2). A request must
// come from a session in the table, else ErrSessionExpired, checked where
// ZooKeeper checks it (after the create flag/TTL checks, after the
// reconfig-disabled check, first for delete/setData/setACL/check). Notable
// consequences: delete checks DELETE on the parent before the node's
// existence; setData checks the quota before the version; create fixes up
// the ACL (InvalidACL) before looking at the parent. Config.SkipACL
// disables every ACL check. A failed request changes nothing.
//
// Creates follow ZooKeeper's DataTree: opcode 19 always makes a container
// (owner proto.ContainerOwner), opcode 21 a TTL node (owner
// proto.TTLOwnerMask|ttl; a non-TTL flag with opcode 21 is BadArguments,
// where ZooKeeper would fail at apply), opcodes 1 and 15 make an ephemeral
// (owner = Entry.Session) for ephemeral flags and a plain persistent node
// otherwise (flag 4 with opcode 1/15 is persistent, as in ZooKeeper).
// Sequential creates append the parent's stored cversion as %010d.
//
// # multi
//
// Sub-ops run in order against the tree as changed by the earlier sub-ops
// (tree.Begin); the first failure rolls everything back. As ZooKeeper's
// MultiOperationRecord does, a create sub-op's kind comes from its flags,
// not its header type: TTL flags need header 21 (any other header makes the
// whole request ErrMarshallingError, as ZooKeeper's ClassCastException
// does) and give a createTTL; flag 4 gives a createContainer; anything else
// a plain create without TTL. A create reports result type 1 with a
// CreateResponse; createContainer and createTTL report type 15 with a
// Create2Response. On failure every result is an error result (type -1):
// err 0 before the failing sub-op, its code at it, RuntimeInconsistency
// after it. Result.Err stays OK either way and Resp is the
// *proto.MultiResponse. An empty multi answers an empty response.
//
// # Sessions and reaping
//
// EntryCreateSession adds {Session, Timeout, Password}; re-applying the
// same session is OK, a different one under a taken id answers
// ErrRuntimeInconsistency. EntryCloseSession deletes the session's
// ephemerals (in tree.Ephemerals order, each firing delete changes) and
// removes the session; closing an unknown session is OK. EntryReap
// re-checks each candidate at Entry.Time and deletes it only if it is a
// childless container whose stored cversion is > 0 (or, when
// Config.MaxNeverUsedMs != 0, which never had a child and whose
// Time-mtime exceeds it), or a childless TTL node whose Time-mtime
// exceeds its TTL; other candidates are skipped silently.
// EntryMoveSession {Session, Owner, Conn} changes nothing: it orders a
// session's reattachment to server Owner among the writes, so that every
// server closes the session's older connections when it applies it; it
// answers ErrSessionExpired when the session is gone.
//
// Session ids must never have the top byte 0xFF: such owners denote TTL
// nodes (session.InitialID with server ids <= 254 guarantees it).
//
// # Changes
//
// Result.Changes lists the watch triggers of a successful write in firing
// order; Change.ACL is the ACL that governs READ for delivery:
//
//	create P   {NodeCreated, P, acl(P)}, {NodeChildrenChanged, parent, acl(parent)}
//	delete P   {NodeDeleted, P, acl(P) before deletion}, {NodeChildrenChanged, parent, acl(parent)}
//	setData P  {NodeDataChanged, P, acl(P)}
//	setACL     none
//	multi      each sub-op's changes in order, only when the multi succeeded
//
// Session close and reaping fire the delete changes of each removed node.
//
// # Snapshots
//
// EncodeSnapshot and RestoreSnapshot(Sized) write and read the whole state
// (last zxid, sessions, tree, digest; format in snapshot.go). Freeze
// captures the state between Apply calls as a Frozen view that any
// goroutine may encode while Apply goes on; Thaw releases it.
//
// # Reads
//
// Read answers exists, getData, getACL, getChildren, getChildren2,
// getAllChildrenNumber, getEphemerals and multiRead from the current state
// with ZooKeeper's FinalRequestProcessor checks. It does not check the
// session (the caller does) nor register watches. Returned records may
// share memory with the tree (data, ACL lists); callers must not modify
// them.
package fsm
