// Package session holds ZooKeeper sessions: the replicated session table that
// every replica's state machine keeps, the leader-side expiry tracker, and
// session id allocation. It is pure: no goroutines, locks, clocks or I/O;
// time arrives as milliseconds in arguments, and callers serialise access.
//
// # Table
//
// Table maps session id to Session{ID, Timeout, Password}. It is changed
// only by applying createSession / closeSession log entries, so all replicas
// hold the same table. Add copies the password; Get returns the stored
// Session, whose Password callers must not modify.
//
// # Tracker
//
// Tracker decides expiry on the leader, as ZooKeeper's ExpiryQueue does.
// Touch(id, timeout, now) gives a session the deadline
//
//	(now+timeout)/tick*tick + tick
//
// that is, now+timeout rounded up to the next multiple of tick (a value
// already on a multiple moves to the following one), so sessions expire in
// buckets at tick boundaries and a session's lifetime after its last touch is
// between timeout and timeout+tick. Expired(now) removes and returns, sorted,
// every session whose deadline is <= now. Touching an untracked session
// starts tracking it; touching an expired one tracks it afresh. ResetAll(now)
// gives every tracked session a full timeout from now (a new leader does this
// before expiring anything). Touch costs O(1) when the deadline is unchanged
// and O(log b) otherwise, b being the number of live buckets; Expired costs
// O(log b) per bucket plus the sorting of its result.
//
// # Ids
//
// InitialID reproduces ZooKeeper's SessionTrackerImpl.initializeNextSession:
// ((now << 24) >>> 8) | (serverID << 56), so the top byte is the server id and
// the next 40 bits come from the clock; the container marker
// 0x8000000000000000 is bumped by one. NextID returns the following id,
// skipping the container marker, 0 (meaning "no session" on the wire) and
// the whole range whose top byte is 0xFF (reserved for TTL ephemeralOwner
// values), which wraps to 1. Server ids must be <= 254 for ids to stay
// clear of the TTL range (ZooKeeper's EphemeralType.validateServerId).
package session
