package session

import "math"

// containerMarker is the ephemeralOwner value of container nodes; no session
// may have it as id.
const containerMarker = math.MinInt64 // 0x8000000000000000

// ttlPrefix is the top byte of TTL ephemeralOwner encodings.
const ttlPrefix = 0xFF

// InitialID is the first session id a server hands out, given its server id
// (0 when standalone) and the wall clock in ms.
func InitialID(serverID int64, nowMs int64) int64 {
	id := int64(uint64(nowMs<<24)>>8) | serverID<<56
	if id == containerMarker {
		id++
	}
	return id
}

// NextID returns the session id after id, skipping the container marker, 0
// and every id whose top byte is 0xFF.
func NextID(id int64) int64 {
	n := id + 1
	if uint64(n)>>56 == ttlPrefix {
		n = 0
	}
	if n == 0 || n == containerMarker {
		n++
	}
	return n
}
