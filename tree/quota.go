package tree

import (
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// quotaNodePrefix returns the quota root that a limits or stats node under
// parentPath belongs to: for "/zookeeper/quota/a/b" it is "/a/b". It
// reports false for parents outside /zookeeper/quota/ (and for
// /zookeeper/quota itself, whose trimmed prefix would be empty).
func quotaNodePrefix(parentPath string) (string, bool) {
	if !strings.HasPrefix(parentPath, quotaPrefix) || len(parentPath) == len(quotaPrefix) {
		return "", false
	}
	return parentPath[len(quotaPath):], true
}

// inQuotaDir reports whether path is /zookeeper/quota or below it; such
// paths never count towards any quota.
func inQuotaDir(path string) bool {
	return path == quotaPath || strings.HasPrefix(path, quotaPrefix)
}

func limitsPath(prefix string) string { return quotaPath + prefix + "/" + limitsName }
func statsPath(prefix string) string  { return quotaPath + prefix + "/" + statsName }

// setQuotaRegistered adds or removes prefix from the registered quotas.
func (t *Tree) setQuotaRegistered(prefix string, on bool) {
	_, was := t.quotas[prefix]
	t.log(undoRec{kind: undoQuota, path: prefix, flag: was})
	if on {
		t.quotas[prefix] = struct{}{}
	} else {
		delete(t.quotas, prefix)
	}
}

// quotaFor returns the longest registered quota prefix of path (by whole
// components), or "" when none applies. "/" never carries a quota, and
// paths inside /zookeeper/quota are never counted.
func (t *Tree) quotaFor(path string) string {
	if len(t.quotas) == 0 || inQuotaDir(path) {
		return ""
	}
	for p := path; p != rootPath && p != ""; p = ParentOf(p) {
		if _, ok := t.quotas[p]; ok {
			return p
		}
	}
	return ""
}

// updateQuotaStats adds the deltas to the stats node of the quota that
// governs path, if any. As in ZooKeeper the stats node's data is rewritten
// directly: no version, mzxid or mtime change and no watch.
func (t *Tree) updateQuotaStats(path string, countDelta, bytesDelta int64) {
	prefix := t.quotaFor(path)
	if prefix == "" {
		return
	}
	sp := statsPath(prefix)
	i := t.lookup(sp)
	if i == 0 {
		return
	}
	st := parseStatsTrack(t.data(i))
	st.set(keyCount, st.get(keyCount)+countDelta)
	st.set(keyBytes, st.get(keyBytes)+bytesDelta)
	t.writeStats(sp, i, st.encode())
}

// recountQuota recomputes the stats of the quota rooted at prefix from the
// live subtree (the root itself included, /zookeeper/quota excluded) and
// writes "count=N,bytes=N" into its stats node.
func (t *Tree) recountQuota(prefix string) {
	sp := statsPath(prefix)
	i := t.lookup(sp)
	if i == 0 {
		return
	}
	count, bytes := t.subtreeUsage(prefix)
	var st statsTrack
	st.set(keyCount, count)
	st.set(keyBytes, bytes)
	t.writeStats(sp, i, st.encode())
}

// subtreeUsage returns the number of nodes and the total data length of
// the subtree at path (zero when it does not exist), skipping
// /zookeeper/quota and everything below it.
func (t *Tree) subtreeUsage(path string) (count, bytes int64) {
	root := t.lookup(path)
	if root == 0 || inQuotaDir(path) {
		return 0, 0
	}
	t.descend(root, t.quotaDir, func(i uint32) {
		count++
		bytes += int64(max(t.r(i).dataLen, 0))
	})
	return count, bytes
}

// writeStats replaces the data of the stats node i at path, logging only
// the data for undo.
func (t *Tree) writeStats(path string, i uint32, data []byte) {
	t.logData(path, i)
	t.replaceData(i, data, t.ext(i))
}

// CheckQuota tells whether adding countDelta nodes and bytesDelta bytes at
// path stays within the quota that governs it (the longest registered
// prefix; paths in /zookeeper/quota are never limited). As ZooKeeper does,
// it checks the count only when countDelta != 0 and the bytes only when
// bytesDelta != 0, against the hard limit of that kind when one is set and
// the soft limit otherwise, comparing the stats node's value plus the delta.
// Exceeding a hard limit with enforce set returns proto.ErrQuotaExceeded;
// exceeding any other limit returns softExceeded = true (a warning only).
// A quota whose limits or stats node is missing limits nothing.
func (t *Tree) CheckQuota(path string, countDelta int, bytesDelta int64, enforce bool) (softExceeded bool, err error) {
	prefix := t.quotaFor(path)
	if prefix == "" {
		return false, nil
	}
	ln := t.lookup(limitsPath(prefix))
	if ln == 0 {
		return false, nil
	}
	lim := parseStatsTrack(t.data(ln))
	checkCount := countDelta != 0 && (lim.get(keyCount) > -1 || lim.get(keyCountHardLimit) > -1)
	checkBytes := bytesDelta != 0 && (lim.get(keyBytes) > -1 || lim.get(keyByteHardLimit) > -1)
	if !checkCount && !checkBytes {
		return false, nil
	}
	sn := t.lookup(statsPath(prefix))
	if sn == 0 {
		return false, nil
	}
	cur := parseStatsTrack(t.data(sn))
	if checkCount {
		exceeded, hard := overLimit(cur.get(keyCount)+int64(countDelta), lim.get(keyCount), lim.get(keyCountHardLimit))
		if exceeded && hard && enforce {
			return false, proto.ErrQuotaExceeded
		}
		softExceeded = softExceeded || exceeded
	}
	if checkBytes {
		exceeded, hard := overLimit(cur.get(keyBytes)+bytesDelta, lim.get(keyBytes), lim.get(keyByteHardLimit))
		if exceeded && hard && enforce {
			return false, proto.ErrQuotaExceeded
		}
		softExceeded = softExceeded || exceeded
	}
	return softExceeded, nil
}

// overLimit compares value with the hard limit when it is set (> -1) and
// with the soft limit otherwise.
func overLimit(value, soft, hard int64) (exceeded, isHard bool) {
	isHard = hard > -1
	limit := soft
	if isHard {
		limit = hard
	}
	return value > limit, isHard
}
