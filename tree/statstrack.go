package tree

import (
	"slices"
	"strconv"
	"strings"
)

// Keys of the quota data format (ZooKeeper's StatsTrack).
const (
	keyCount          = "count"
	keyBytes          = "bytes"
	keyCountHardLimit = "countHardLimit"
	keyByteHardLimit  = "byteHardLimit"
)

// statsTrack is the parsed content of a quota limits or stats node:
// key=value pairs where a missing or empty value reads as -1 (unlimited).
type statsTrack struct {
	keys []string
	vals []int64
}

// parseStatsTrack reads the StatsTrack text format: pairs separated by runs
// of ',' or ';', each split on '=' into key and value (extra '=' parts are
// ignored, so "bytes=5=" reads as 5). Where ZooKeeper would throw (a pair
// without '=', a value that is not a number) the value reads as -1; empty
// pairs are skipped. A later duplicate key wins.
func parseStatsTrack(b []byte) statsTrack {
	var s statsTrack
	text := string(b)
	for text != "" {
		end := strings.IndexAny(text, ",;")
		pair := text
		if end >= 0 {
			pair, text = text[:end], text[end+1:]
		} else {
			text = ""
		}
		if pair == "" {
			continue
		}
		key, rest, _ := strings.Cut(pair, "=")
		value, _, _ := strings.Cut(rest, "=")
		v := int64(-1)
		if value != "" {
			if parsed, err := strconv.ParseInt(value, 10, 64); err == nil {
				v = parsed
			}
		}
		s.set(key, v)
	}
	return s
}

// get returns the value of key, -1 when absent.
func (s *statsTrack) get(key string) int64 {
	if i := slices.Index(s.keys, key); i >= 0 {
		return s.vals[i]
	}
	return -1
}

func (s *statsTrack) set(key string, v int64) {
	if i := slices.Index(s.keys, key); i >= 0 {
		s.vals[i] = v
		return
	}
	s.keys = append(s.keys, key)
	s.vals = append(s.vals, v)
}

// encode writes the format ZooKeeper writes: "count=N,bytes=N" first, and
// only when other keys exist a stray '=' and then ";key=value" for each of
// them in sorted order ("count=1,bytes=2=;byteHardLimit=9;countHardLimit=5").
func (s *statsTrack) encode() []byte {
	out := make([]byte, 0, 32)
	out = append(out, keyCount+"="...)
	out = strconv.AppendInt(out, s.get(keyCount), 10)
	out = append(out, ","+keyBytes+"="...)
	out = strconv.AppendInt(out, s.get(keyBytes), 10)
	var extra []int
	for i, k := range s.keys {
		if k != keyCount && k != keyBytes {
			extra = append(extra, i)
		}
	}
	if len(extra) == 0 {
		return out
	}
	slices.SortFunc(extra, func(a, b int) int { return strings.Compare(s.keys[a], s.keys[b]) })
	out = append(out, '=')
	for _, i := range extra {
		out = append(out, ';')
		out = append(out, s.keys[i]...)
		out = append(out, '=')
		out = strconv.AppendInt(out, s.vals[i], 10)
	}
	return out
}
