// Package diff is zkd's differential tester: one seeded stream of client
// operations is run over the raw wire against Apache ZooKeeper and against
// zkd, and the two sets of replies are compared field by field.
//
// # Streams
//
// Generate(seed, cfg) returns a deterministic []Op over a small path
// universe below a per-run root R (R/a, R/a/b, R/a/b/c, R/c, R/c/d, R/q
// and sequential children of R/q and R/a), a few paths of the reserved
// /zookeeper subtree (reads and failing writes only), a few odd but valid
// paths and a set of invalid ones. Ops use Config.Sessions sessions and
// cover every client opcode: create/create2/createContainer/createTTL in
// every mode and with invalid flags and TTLs (TTL only with Config.TTL),
// delete, setData and setACL with random versions, exists/getData/
// getChildren/getChildren2 with and without watches, getACL, a fixed table
// of ACL shapes (world, ip, digest with and without the matching auth,
// "auth" expansion, duplicates, perms 0, invalid ones), digest and ip auth,
// multi with failing sub-ops (and empty), multiRead, getAllChildrenNumber,
// getEphemerals, whoAmI, addWatch persistent and recursive, checkWatches/
// removeWatches, sync, reconfig, closeSession, reattaching a session
// with setWatches/setWatches2, and (Config.ExpiryPerMille, rare because
// each costs about half a second) expireSession, which lets a slot's
// session expire with its connection dropped or left silent. Ops whose
// reply closes the connection (an
// unknown opcode, an unknown auth scheme, a standalone check) are compound:
// the runner reattaches the session afterwards, so dropping ops while
// shrinking never leaves a stream that differs only because a socket is
// gone. Unless Config.MixWatchModes, only the last session holds
// persistent and recursive watches, and never standard ones (ZooKeeper 3.8
// cannot hold two modes on one path per connection).
//
// # Runs
//
// Run executes a stream against one server below a fresh run root (so one
// server serves many runs and every shrink candidate starts clean), opens
// sessions lazily (with a ping, so the zxid a session creation consumed is
// seen at once), closes them at the end, and after every op pings every
// open session: each notification the server queued before the ping's
// reply is attributed to that op. Each reply becomes an Outcome: named
// fields (error code, paths relative to R, data, children and whoAmI as
// sorted sets, ACL lists as sorted multisets because ZooKeeper expands
// "auth" in hash-set order, Stat fields) and the notifications of every
// session in arrival order.
//
// Sessions ask for a 10 s timeout, except one whose slot's next
// session-ending op is an expireSession: it asks for the minimum, 400 ms
// (both servers run a 200 ms tick), and lives until then because every op
// ends by pinging every session and no op holds the runner longer than a
// few milliseconds (a request a server may leave unanswered, such as
// ZooKeeper 3.8.0's standalone check, is followed by a ping instead of a
// wait). expireSession creates an ephemeral marker for the session outside
// R, drops the TCP connection without closeSession (or leaves it silent),
// and polls on the runner's own session, pinging the others, until the
// marker is gone (at most 5 s); its outcome holds the expiry's zxid (the
// "trigger" of the deletion events other sessions receive), whether a
// silent connection was closed, the children of R and of every parent of
// the session's ephemerals, and the answer to a reattach with the old id
// and password (timeout 0, session 0, a zero password, then close). The
// slot's next op opens a fresh session. A run in which a 400 ms session
// may have gone 350 ms untouched (a stalled machine) is marked
// Trace.Unstable; the tests run a stream again rather than trust a
// difference from such a run.
//
// Values that differ between servers by construction are normalised
// within each server. A Stat zxid becomes "z<op>" (the first op whose
// reply showed it; "z<op>.<rank>" when one op shows several); a reply
// header zxid becomes its relation to the largest zxid seen so far
// ("=max", ">max", "<max"), so a hidden transaction never shifts later
// tokens; ctime/mtime become checks that each time is the one first paired
// with its zxid and that times never decrease as zxids grow;
// ephemeralOwner becomes the session slot and generation; a notification's
// zxid becomes "trigger" when it equals the zxid of the write that caused
// it. A small model per run tracks ACLs and auth ids (to know which
// notifications the READ filter may drop and which exists replies the READ
// check may refuse) and the watches each connection holds (to know where
// ZooKeeper 3.8's watch tables behave unlike 3.9's).
//
// # Comparison
//
// Compare walks two traces op by op. Each op's pair of outcomes is first
// offered to the allow-list (allowList in allow.go: the deliberate
// differences, where zkd follows ZooKeeper 3.9.3+ and 3.8 differs,
// PROTOCOL.md §12, each with its reason), then to versionGaps (gaps.go:
// 3.8/3.9 differences not listed in §12 yet, each citing the ZooKeeper
// change). Allowances may rewrite the pair or taint a (session,
// path), whose events and watch-check answers are then not compared until
// the session's connection is replaced. A remaining difference is matched
// against knownBugs (knownbugs.go: zkd bugs found by this tester and not
// fixed yet, each with its diagnosis); otherwise it is the reported Difference, and later
// ops are not compared. Events of a closeSession or expireSession are
// compared as multisets (ZooKeeper deletes ephemerals in hash-set order).
// The expiring connection's own notifications are not compared when it
// stays open: ZooKeeper may close the socket before they are sent.
//
// Shrink reduces a failing stream by delta debugging (dropping chunks of
// ops down to single ops, then multi sub-ops) with a bounded number of
// re-runs, each against a fresh run root on both servers; the tests keep
// only candidates that fail with the same Signature (op kind and differing
// field names) and print the seed and the shortest sequence.
//
// # ZooKeeper and the tests
//
// StartZooKeeper runs Debian's zkServer.sh start-foreground on a temp
// directory (tickTime 200 ms, session timeouts 400 ms to 20 s, as zktest
// gives zkd; admin server off, every four-letter word, TTL nodes on,
// container checks pushed out of reach so reaping never races a run) in its
// own process group, waits until srvr reports a mode, and kills that group
// on cleanup. ZooKeeperScript reports where zkServer.sh is.
//
// go test ./compat/diff starts one ZooKeeper and one in-process zkd and
// runs up to 60 seeds x 150 ops with 3 expiries per mille within a 40 s
// budget (ZKD_DIFF_SEED, ZKD_DIFF_SEEDS, ZKD_DIFF_OPS and ZKD_DIFF_EXPIRY
// override; ZKD_DIFF_TRACE=1 logs slow ops); -diff.long or ZKD_DIFF_LONG=1
// runs 400-op streams with 8 expiries per mille from a time-derived base
// seed for ZKD_DIFF_DURATION (default 10 min). Without
// zkServer.sh the test skips naming the Debian package zookeeper, and fails
// under ZKD_REQUIRE_EXTERNAL=1. A control subtest plays deliberately wrong
// servers through Server.Mutate (cversion one too high, mtime off its
// zxid, a sequence suffix off by one, ACL perms widened, an expired
// session's reattach accepted, a child left behind by an expiry) and
// asserts the tester reports each and shrinks it to a few ops (the expiry
// ones to a stream that still expires a session); an expiry subtest pins
// what both servers show for a scripted expiry; a knownBugs subtest
// replays each known bug's Repro and says when one no longer reproduces.
package diff
