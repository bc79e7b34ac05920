// Package proto holds the ZooKeeper 3.9 client wire protocol: every client
// record of zookeeper.jute with an explicit Encode/Decode pair, the opcode,
// error-code and enum tables, and packet framing. It imports only jute and
// the standard library, and holds no mutable state.
//
// # Framing
//
// Every packet, in both directions, is a 4-byte big-endian signed length N
// followed by N payload bytes; N excludes itself. A receiver rejects
// N < 0 or N > jute.maxbuffer (DefaultMaxBuffer, 0xfffff, by default) by
// closing the connection, without a reply. ReadFrame checks the length
// before allocating and reuses the caller's buffer; AppendFrame writes the
// length, then an optional header record, then an optional body record.
// (A server that answers four-letter words must inspect the first four
// bytes of a new connection itself: "ruok" read as a length is far above
// any limit.)
//
// # Handshake
//
// The first client packet is a ConnectRequest and the first server packet
// a ConnectResponse, neither with a header. Both end with an optional
// readOnly byte: clients since 3.4 send it, and a server appends it to its
// response only if the request carried it. Decode records its presence in
// HasReadOnly and Encode writes it only when HasReadOnly is set, so a
// server answers with HasReadOnly copied from the request. A response with
// TimeOut <= 0, SessionID 0 and a zero password tells the client its
// session is invalid or expired.
//
// After the handshake the client sends RequestHeader{Xid, Type} followed by
// the request record NewRequest(Type) (none for ping, closeSession and
// whoAmI), and the server sends ReplyHeader{Xid, Zxid, Err} followed by the
// response record NewResponse(Type).
//
// # Special xids
//
//	-1  notification: server-only; ReplyHeader{-1, zxid, 0} + WatcherEvent
//	-2  ping: RequestHeader{-2, OpPing}, no body; reply header only
//	-4  auth: RequestHeader{-4, OpAuth} + AuthPacket; reply header only,
//	    zxid 0
//	-8  setWatches/setWatches2; reply header only
//
// Positive xids are ordinary requests; replies to them (and to -8) must be
// sent in request order.
//
// # Errors
//
// When ReplyHeader.Err is non-zero the reply is the header alone: no body
// follows and clients never decode one. The exception is multi/multiRead:
// the header's Err stays 0 and the MultiResponse carries one MultiResult
// per sub-op, failed ones as type OpError with an ErrorResponse body.
// Whole-request failures of a multi (such as a body that does not decode,
// ErrMarshallingError) still use a header-only reply. Code is the single
// table between errors and wire codes; CodeOf maps any error to one.
//
// # Multi
//
// A MultiRequest body is a list of MultiHeader{op, false, -1} + record,
// ended by MultiHeader{-1, true, -1}; a MultiResponse body is a list of
// MultiHeader{type, false, err} + record, ended the same way. See
// MultiRequest and MultiResult for the accepted sub-types.
//
// # Null versus empty
//
// Buffers (Data, Passwd, Auth, Token) and vectors keep the difference
// between null (length -1, a nil slice) and empty (length 0, a non-nil
// empty slice) in both directions. Null strings decode as "" except in
// ReconfigRequest, whose *Null flags preserve them.
//
// # Decoding contract
//
// Decode methods read from a jute.Reader and never panic, whatever the
// input: failures (short input, bad lengths, unknown multi sub-types) are
// recorded in the reader's sticky error, and the record's contents are
// then unspecified. Lengths are checked against the remaining input before
// anything is allocated. Decode overwrites every field, so records may be
// reused. Trailing bytes after a record are left unread, as ZooKeeper's
// decoders ignore them; callers that care check Reader.Remaining. For any
// record that decoded successfully, encoding it and decoding the result
// gives an equal record (the fuzz tests check this for every decoder).
package proto
