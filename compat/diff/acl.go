package diff

import (
	"crypto/sha1"
	"encoding/base64"
	"net"
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// aclShape is one ACL list the generator can send. valid marks lists that
// ZooKeeper accepts (given an authenticated digest id for "auth" entries).
type aclShape struct {
	name  string
	acl   []proto.ACL // nil is sent as a null vector
	valid bool
}

const (
	digestU1 = "u1:fpT/y03U+EjItKZOSLGvjnJlyng=" // u1:p1
	digestU2 = "u2:o9NxcCGDPOlcV7JVhmKHOf5ctVE=" // u2:p2
)

func entry(perms int32, scheme, id string) proto.ACL {
	return proto.ACL{Perms: perms, ID: proto.Id{Scheme: scheme, ID: id}}
}

// aclShapes is the fixed table of ACL lists; Op.ACL indexes it. It is never
// modified.
var aclShapes = [...]aclShape{
	{"open", []proto.ACL{entry(proto.PermAll, "world", "anyone")}, true},
	{"worldRead", []proto.ACL{entry(proto.PermRead, "world", "anyone")}, true},
	{"creatorAll", []proto.ACL{entry(proto.PermAll, "auth", "")}, true},
	{"u1All", []proto.ACL{entry(proto.PermAll, "digest", digestU1)}, true},
	{"worldRead+u1All", []proto.ACL{entry(proto.PermRead, "world", "anyone"), entry(proto.PermAll, "digest", digestU1)}, true},
	{"noRead", []proto.ACL{entry(proto.PermAll&^proto.PermRead, "world", "anyone")}, true},
	{"u2All", []proto.ACL{entry(proto.PermAll, "digest", digestU2)}, true},
	{"ip127", []proto.ACL{entry(proto.PermAll, "ip", "127.0.0.1")}, true},
	{"ip10/8+worldAdmin", []proto.ACL{entry(proto.PermAll, "ip", "10.0.0.0/8"), entry(proto.PermAdmin, "world", "anyone")}, true},
	{"dupOpen", []proto.ACL{entry(proto.PermAll, "world", "anyone"), entry(proto.PermAll, "world", "anyone")}, true},
	{"perms0", []proto.ACL{entry(0, "world", "anyone")}, true},
	{"auth+u1All", []proto.ACL{entry(proto.PermAll, "auth", ""), entry(proto.PermAll, "digest", digestU1)}, true},
	{"u1Admin+worldRest", []proto.ACL{entry(proto.PermAdmin, "digest", digestU1), entry(proto.PermAll&^proto.PermAdmin, "world", "anyone")}, true},
	{"authNamed", []proto.ACL{entry(proto.PermRead|proto.PermAdmin, "auth", "whoever")}, true},
	// Invalid lists.
	{"empty", []proto.ACL{}, false},
	{"null", nil, false},
	{"worldSomeone", []proto.ACL{entry(proto.PermAll, "world", "someone")}, false},
	{"digestNoColon", []proto.ACL{entry(proto.PermAll, "digest", "u1")}, false},
	{"digestTrailingColon", []proto.ACL{entry(proto.PermAll, "digest", "u1:")}, false},
	{"unknownScheme", []proto.ACL{entry(proto.PermAll, "foo", "bar")}, false},
	{"ipBadMask", []proto.ACL{entry(proto.PermAll, "ip", "1.2.3.4/40")}, false},
	{"superScheme", []proto.ACL{entry(proto.PermAll, "super", "x")}, false},
}

// digestID is the id a digest auth of "user:password" yields.
func digestID(userPassword string) string {
	user, _, _ := strings.Cut(userPassword, ":")
	sum := sha1.Sum([]byte(userPassword))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// expandACL returns the ACL a server stores for an accepted create/setACL
// request: duplicates removed, then each "auth" entry replaced by one entry
// per authenticated (digest) id of the caller, in ZooKeeper's order.
func expandACL(acl []proto.ACL, ids []proto.Id) []proto.ACL {
	var uniq []proto.ACL
	for _, a := range acl {
		dup := false
		for _, u := range uniq {
			if u == a {
				dup = true
				break
			}
		}
		if !dup {
			uniq = append(uniq, a)
		}
	}
	var out []proto.ACL
	for _, a := range uniq {
		if a.ID.Scheme != "auth" {
			out = append(out, a)
			continue
		}
		for _, id := range ids {
			if id.Scheme == "digest" {
				out = append(out, proto.ACL{Perms: a.Perms, ID: id})
			}
		}
	}
	return out
}

// allows reports whether a connection with ids passes an ACL check for
// perm on a node with acl (ZooKeeper's checkACL for the schemes the
// generator uses).
func allows(acl []proto.ACL, ids []proto.Id, perm int32) bool {
	if len(acl) == 0 {
		return true
	}
	for _, id := range ids {
		if id.Scheme == "super" {
			return true
		}
	}
	for _, a := range acl {
		if a.Perms&perm == 0 {
			continue
		}
		if a.ID == proto.WorldAnyone {
			return true
		}
		for _, id := range ids {
			if id.Scheme != a.ID.Scheme {
				continue
			}
			switch id.Scheme {
			case "digest":
				if id.ID == a.ID.ID {
					return true
				}
			case "ip":
				if ipMatches(a.ID.ID, id.ID) {
					return true
				}
			}
		}
	}
	return false
}

func ipMatches(pattern, addr string) bool {
	ip := net.ParseIP(addr)
	if ip == nil {
		return false
	}
	if !strings.Contains(pattern, "/") {
		p := net.ParseIP(pattern)
		return p != nil && p.Equal(ip)
	}
	_, n, err := net.ParseCIDR(pattern)
	return err == nil && n.Contains(ip)
}
