package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/peer"
	"github.com/zkd-io/zkd/storage"
)

// This file holds how a member with an empty data directory finds its
// place (peer/doc.go, Joining), and the record of the other members'
// data directories that lets the ensemble refuse a wiped voter.

// joinPlan is what probing the other members decided for a fresh member.
type joinPlan struct {
	cluster     uint64 // cluster id to record
	join        bool   // the ensemble exists: start raft empty, without bootstrap
	incarnation uint64 // this directory's incarnation, sent with the probes
}

// probeTimeout bounds one round of probes.
const probeTimeout = time.Second

// planFreshMember probes every other configured member. A member that
// answers gives the ensemble's cluster id: this member joins it, its log
// brought by the leader (by snapshot when the log was compacted). One that
// knows this server id with another data directory makes the start fail:
// a voter that lost the log it acknowledged must be removed and added back
// by reconfig. When nobody answers, the ensemble is new: bootstrap with
// the membership's hash, as every other fresh member does.
func planFreshMember(ctx context.Context, cfg config.Config, self uint64, addrs map[uint64]string, log *slog.Logger) (joinPlan, error) {
	inc, err := randomID()
	if err != nil {
		return joinPlan{}, err
	}
	plan := joinPlan{cluster: clusterID(cfg.Servers), incarnation: inc}
	type answer struct {
		id      uint64
		cluster uint64
		err     error
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	answers := make(chan answer, len(addrs))
	n := 0
	for id, addr := range addrs {
		if id == self {
			continue
		}
		n++
		go func() {
			c, err := peer.Probe(pctx, addr, self, id, inc)
			answers <- answer{id, c, err}
		}()
	}
	var found []uint64
	for range n {
		a := <-answers
		var refused *peer.RefusedError
		switch {
		case errors.As(a.err, &refused) && refused.Replaced():
			return joinPlan{}, fmt.Errorf("server.%d's data directory %s is new, but member %d knows server %d with other data: "+
				"its old data directory was wiped or replaced, and a voter that rejoins without the log it acknowledged "+
				"could help elect a leader that lacks committed writes. Remove server %d from the ensemble (zkCli: reconfig "+
				"-remove %d), then add it back; or restore its data directory", self, cfg.DataDir, a.id, self, self, self)
		case errors.As(a.err, &refused) && refused.Cluster != 0, a.err == nil && a.cluster != 0:
			c := a.cluster
			if refused != nil {
				c = refused.Cluster
			}
			if !plan.join || c == plan.cluster {
				plan.cluster, plan.join = c, true
			}
			found = append(found, a.id)
		}
	}
	if plan.join {
		slices.Sort(found)
		log.Info("joining a running ensemble", "cluster", fmt.Sprintf("%016x", plan.cluster), "answered", found)
	} else {
		log.Info("no member answered: starting a new ensemble", "cluster", fmt.Sprintf("%016x", plan.cluster))
	}
	return plan, nil
}

// isFreshDir reports whether dataDir holds no identity file yet.
func isFreshDir(fsys storage.FS, dataDir string) bool {
	_, err := readIdentity(fsys, filepath.Join(dataDir, identityFile))
	return errors.Is(err, fs.ErrNotExist)
}

// peersFile records, one "id incarnation" line per member, the data
// directory incarnation this member first heard each other member with.
const peersFile = "zkd-peers"

// peerBook is the record in peersFile: peer.Config.Admit.
type peerBook struct {
	fsys storage.FS
	dir  string
	log  *slog.Logger
	mu   sync.Mutex
	seen map[uint64]uint64
}

func openPeerBook(fsys storage.FS, dir string, log *slog.Logger) (*peerBook, error) {
	b := &peerBook{fsys: fsys, dir: dir, log: log, seen: map[uint64]uint64{}}
	f, err := fsys.OpenFile(filepath.Join(dir, peersFile), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		id, err1 := strconv.ParseUint(fields[0], 10, 64)
		inc, err2 := strconv.ParseUint(fields[1], 16, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: bad line %q; move the file aside to forget the members it records", filepath.Join(dir, peersFile), sc.Text())
		}
		b.seen[id] = inc
	}
	return b, sc.Err()
}

// Admit records a member's incarnation the first time it is seen and
// afterwards admits only that one.
func (b *peerBook) Admit(id, inc uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.seen[id]; ok {
		if old != inc {
			b.log.Error("refusing a member whose data directory was replaced", "server", id,
				"incarnation", fmt.Sprintf("%016x", inc), "known", fmt.Sprintf("%016x", old))
		}
		return old == inc
	}
	b.seen[id] = inc
	if err := b.save(); err != nil {
		// Not fatal: the member is admitted; the record is retried with
		// the next change.
		b.log.Warn("could not record a member's incarnation", "server", id, "err", err)
	}
	return true
}

// Forget drops the record of a member that left the ensemble, so that it
// may come back with a new data directory.
func (b *peerBook) Forget(id uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[id]; !ok {
		return
	}
	delete(b.seen, id)
	if err := b.save(); err != nil {
		b.log.Warn("could not update the member record", "err", err)
	}
}

// save writes the record: temp file, fsync, rename, directory fsync.
func (b *peerBook) save() error {
	ids := slices.Sorted(maps.Keys(b.seen))
	var sb strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&sb, "%d %016x\n", id, b.seen[id])
	}
	path := filepath.Join(b.dir, peersFile)
	return writeFileSynced(b.fsys, b.dir, path, []byte(sb.String()))
}
