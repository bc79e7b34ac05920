package node

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zkd-io/zkd/storage"
)

// identityFile names the file in dataDir that records which member of
// which cluster the directory belongs to:
//
//	zkd-id 2
//	node <decimal server id>
//	cluster <16 hex digits>
//	incarnation <16 hex digits>
//
// (Version 1 files, without the incarnation, are read and rewritten with
// a new one.)
// It is written (temp file, fsync, rename, directory fsync) before the
// first WAL segment, so every WAL segment and snapshot the directory ever
// holds carries the same ids.
const identityFile = "zkd-id"

// identity is the node and cluster a data directory belongs to.
type identity struct {
	node    uint64
	cluster uint64
	// incarnation is random, made with the directory: peers remember it
	// and refuse a member whose directory was wiped (peer/doc.go).
	incarnation uint64
}

// loadIdentity reads dataDir's identity, refusing one of another node or,
// when want is not zero (an ensemble: the hash of its membership), of
// another cluster. On a directory without one it creates it: with the
// cluster id of an existing WAL (a directory from before identity files),
// else want, else a new random cluster id.
func loadIdentity(fsys storage.FS, dataDir string, node, want, incarnation uint64, walCluster func() (uint64, bool, error)) (identity, error) {
	path := filepath.Join(dataDir, identityFile)
	id, err := readIdentity(fsys, path)
	if err == nil && id.incarnation == 0 {
		// A version 1 file (before incarnations): give it one.
		if id.incarnation, err = randomID(); err == nil {
			err = writeIdentity(fsys, dataDir, path, id)
		}
	}
	switch {
	case err == nil:
		if id.node != node {
			return identity{}, fmt.Errorf("data directory %s belongs to server %d (%s), but this is server %d: "+
				"point the server at its own dataDir, or fix myid", dataDir, id.node, path, node)
		}
		if want != 0 && id.cluster != want {
			return identity{}, fmt.Errorf("data directory %s belongs to cluster %016x (%s), but the server.N lines of this "+
				"configuration make cluster %016x: a standalone server's data or another ensemble's; point the server "+
				"at an empty dataDir to join this ensemble, or restore the configuration that directory was made with",
				dataDir, id.cluster, path, want)
		}
		return id, nil
	case !errors.Is(err, fs.ErrNotExist):
		return identity{}, err
	}
	id = identity{node: node, incarnation: incarnation}
	if id.incarnation == 0 {
		if id.incarnation, err = randomID(); err != nil {
			return identity{}, err
		}
	}
	cluster, found, err := walCluster()
	if err != nil {
		return identity{}, err
	}
	switch {
	case found && want != 0 && cluster != want:
		return identity{}, fmt.Errorf("the write-ahead log next to %s belongs to cluster %016x, but the server.N lines "+
			"of this configuration make cluster %016x: point the server at an empty data directory", dataDir, cluster, want)
	case found:
		id.cluster = cluster
	case want != 0:
		id.cluster = want
	default:
		if id.cluster, err = randomID(); err != nil {
			return identity{}, err
		}
	}
	if err := writeIdentity(fsys, dataDir, path, id); err != nil {
		return identity{}, err
	}
	return id, nil
}

func readIdentity(fsys storage.FS, path string) (identity, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return identity{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return identity{}, fmt.Errorf("read %s: %w", path, err)
	}
	fields := strings.Fields(string(b))
	bad := fmt.Errorf("%s is not a zkd identity file (want \"zkd-id 2 node N cluster HEX incarnation HEX\"); restore it from a backup or move the data directory aside", path)
	v1 := len(fields) == 6 && fields[1] == "1"
	v2 := len(fields) == 8 && fields[1] == "2" && fields[6] == "incarnation"
	if !(v1 || v2) || fields[0] != "zkd-id" || fields[2] != "node" || fields[4] != "cluster" {
		return identity{}, bad
	}
	var id identity
	if v2 {
		if id.incarnation, err = strconv.ParseUint(fields[7], 16, 64); err != nil || id.incarnation == 0 {
			return identity{}, bad
		}
	}
	if id.node, err = strconv.ParseUint(fields[3], 10, 64); err != nil || id.node == 0 {
		return identity{}, bad
	}
	if id.cluster, err = strconv.ParseUint(fields[5], 16, 64); err != nil {
		return identity{}, bad
	}
	return id, nil
}

func writeIdentity(fsys storage.FS, dir, path string, id identity) error {
	text := fmt.Sprintf("zkd-id 2\nnode %d\ncluster %016x\nincarnation %016x\n", id.node, id.cluster, id.incarnation)
	if err := writeFileSynced(fsys, dir, path, []byte(text)); err != nil {
		return fmt.Errorf("write identity %s: %w", path, err)
	}
	return nil
}

// writeFileSynced replaces path (in dir) durably: temp file, fsync,
// rename, directory fsync.
func writeFileSynced(fsys storage.FS, dir, path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, path)
	}
	if err == nil {
		err = fsys.SyncDir(dir)
	}
	return err
}

// randomID returns a random non-zero id.
func randomID() (uint64, error) {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, fmt.Errorf("random cluster id: %w", err)
		}
		if v := binary.BigEndian.Uint64(b[:]); v != 0 {
			return v, nil
		}
	}
}
