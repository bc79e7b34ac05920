package tree

import (
	"strings"
	"unicode/utf8"

	"github.com/zkd-io/zkd/proto"
)

// Well-known paths of the reserved /zookeeper subtree.
const (
	rootPath    = "/"
	procPath    = "/zookeeper"
	quotaPath   = "/zookeeper/quota"
	configPath  = "/zookeeper/config"
	limitsName  = "zookeeper_limits"
	statsName   = "zookeeper_stats"
	quotaPrefix = quotaPath + "/"
)

// MaxPathLen bounds the length of a path ValidatePath accepts: every name
// in it is then shorter than the tree's limit on a name.
const MaxPathLen = nameMask

// ValidatePath applies ZooKeeper's server-side path rules (PathUtils.validatePath,
// PROTOCOL.md §3.5) and returns proto.ErrBadArguments when path breaks one.
//
// The path must start with '/', must not end with '/' unless it is "/",
// and must have no empty, "." or ".." component. Characters are judged as
// Java judges UTF-16 code units: U+0000, U+0001–U+001F, U+007F–U+009F,
// U+D800–U+F8FF and U+FFF0–U+FFFF are rejected, and so is every character
// outside the Basic Multilingual Plane (Java sees it as a surrogate pair).
// Bytes that are not valid UTF-8 are rejected too (Java decodes them to
// U+FFFD, which is in the forbidden range).
//
// One rule is zkd's own: a path of MaxPathLen bytes or more is refused, as
// the tree cannot hold a name that long. Only a jute.maxbuffer of a
// gigabyte or more lets such a request through at all.
func ValidatePath(path string) error {
	if len(path) == 0 || path[0] != '/' || len(path) >= MaxPathLen {
		return proto.ErrBadArguments
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' {
		return proto.ErrBadArguments
	}
	start := 1 // first byte of the current component
	for i := 1; i < len(path); {
		c := path[i]
		if c < utf8.RuneSelf {
			if c == '/' {
				if !validComponent(path[start:i]) {
					return proto.ErrBadArguments
				}
				start = i + 1
			} else if c <= 0x1f || c == 0x7f {
				return proto.ErrBadArguments
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(path[i:])
		if r == utf8.RuneError && size == 1 {
			return proto.ErrBadArguments
		}
		if forbiddenRune(r) {
			return proto.ErrBadArguments
		}
		i += size
	}
	if !validComponent(path[start:]) {
		return proto.ErrBadArguments
	}
	return nil
}

// validComponent reports whether one path component is acceptable: not
// empty, not "." and not "..".
func validComponent(name string) bool {
	return name != "" && name != "." && name != ".."
}

// forbiddenRune reports whether a non-ASCII rune is rejected by the UTF-16
// code unit rules of PathUtils.validatePath.
func forbiddenRune(r rune) bool {
	switch {
	case r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0xd800 && r <= 0xf8ff:
		return true
	case r >= 0xfff0:
		// U+FFF0–U+FFFF, and everything beyond the BMP (a surrogate pair).
		return true
	}
	return false
}

// ParentOf returns the text before the last '/' of path, or "/" when that
// text is empty (a top-level node). It returns "" for "/" itself and for a
// string without any '/'.
func ParentOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || path == rootPath {
		return ""
	}
	if i == 0 {
		return rootPath
	}
	return path[:i]
}

// splitPath returns the parent path and the last component of path. The
// name shares memory with path.
func splitPath(path string) (parent, name string) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "", path
	}
	if i == 0 {
		return rootPath, path[1:]
	}
	return path[:i], path[i+1:]
}

// IsSpecialPath reports whether path is one of the nodes ZooKeeper refuses
// to delete: "/", "/zookeeper", "/zookeeper/quota" and "/zookeeper/config".
func IsSpecialPath(path string) bool {
	return path == rootPath || path == procPath || path == quotaPath || path == configPath
}

// javaLength returns the length of s in UTF-16 code units, as Java's
// String.length() would report it; ZooKeeper's approximate data size uses it.
func javaLength[T string | []byte](s T) int64 {
	n := int64(0)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r > 0xffff {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}
