package fsm

import (
	"crypto/sha1"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// ACL schemes zkd knows. As in a default ZooKeeper server, only the digest
// and ip providers are registered; "world" accepts only "anyone" and
// "auth" is a placeholder expanded at create/setACL.
const (
	schemeWorld  = "world"
	schemeAuth   = "auth"
	schemeDigest = "digest"
	schemeIP     = "ip"
	schemeSuper  = "super"
)

// CheckACL reports whether a caller holding the ids auth may perform an
// operation needing any bit of perm on a node whose ACL is acl (PROTOCOL.md
// §7.4): an empty ACL allows everything; a caller with a "super" id is
// allowed; otherwise some entry must share a bit with perm and either be
// world:anyone or match one of the caller's ids of the same scheme (digest:
// exact string; ip: address or CIDR prefix match). Config.SkipACL is the
// caller's business.
func CheckACL(acl []proto.ACL, auth []proto.Id, perm int32) bool {
	if len(acl) == 0 {
		return true
	}
	for i := range auth {
		if auth[i].Scheme == schemeSuper {
			return true
		}
	}
	for i := range acl {
		a := &acl[i]
		if a.Perms&perm == 0 {
			continue
		}
		if a.ID.Scheme == schemeWorld && a.ID.ID == "anyone" {
			return true
		}
		for j := range auth {
			id := &auth[j]
			if id.Scheme != a.ID.Scheme {
				continue
			}
			switch a.ID.Scheme {
			case schemeDigest:
				if id.ID == a.ID.ID {
					return true
				}
			case schemeIP:
				if ipMatches(id.ID, a.ID.ID) {
					return true
				}
			}
		}
	}
	return false
}

// DigestID returns the digest ACL id for "user:password":
// "user:" + base64(sha1("user:password")).
func DigestID(userPass string) string {
	user, _, _ := strings.Cut(userPass, ":")
	sum := sha1.Sum([]byte(userPass))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// fixupACL validates and expands an ACL list for create or setACL
// (PROTOCOL.md §7.3): exact duplicates are removed, an empty list is
// invalid, world accepts only "anyone", "auth" becomes one entry per
// authenticated (digest) id of the caller and is invalid without one,
// digest and ip ids must be well formed, and any other scheme is invalid.
// The result never aliases acls.
func fixupACL(acls []proto.ACL, auth []proto.Id) ([]proto.ACL, proto.Code) {
	uniq := dedupACL(acls)
	if len(uniq) == 0 {
		return nil, proto.ErrInvalidACL
	}
	out := make([]proto.ACL, 0, len(uniq))
	for _, a := range uniq {
		switch a.ID.Scheme {
		case schemeWorld:
			if a.ID.ID != "anyone" {
				return nil, proto.ErrInvalidACL
			}
			out = append(out, a)
		case schemeAuth:
			found := false
			for _, id := range auth {
				if authenticatedScheme(id.Scheme) {
					out = append(out, proto.ACL{Perms: a.Perms, ID: id})
					found = true
				}
			}
			if !found {
				return nil, proto.ErrInvalidACL
			}
		case schemeDigest:
			if !validDigestID(a.ID.ID) {
				return nil, proto.ErrInvalidACL
			}
			out = append(out, a)
		case schemeIP:
			if _, _, ok := parseIPExpr(a.ID.ID); !ok {
				return nil, proto.ErrInvalidACL
			}
			out = append(out, a)
		default:
			return nil, proto.ErrInvalidACL
		}
	}
	return out, proto.OK
}

// dedupACL returns acls without exact duplicates, first occurrences kept in
// order. It may return acls itself when there is nothing to remove.
func dedupACL(acls []proto.ACL) []proto.ACL {
	if len(acls) <= 1 {
		return acls
	}
	if len(acls) <= 8 {
		out := make([]proto.ACL, 0, len(acls))
		for _, a := range acls {
			dup := false
			for _, b := range out {
				if a == b {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, a)
			}
		}
		return out
	}
	seen := make(map[proto.ACL]struct{}, len(acls))
	out := make([]proto.ACL, 0, len(acls))
	for _, a := range acls {
		if _, ok := seen[a]; ok {
			continue
		}
		seen[a] = struct{}{}
		out = append(out, a)
	}
	return out
}

// authenticatedScheme reports whether ids of the scheme stand for an
// authenticated user, i.e. may replace the "auth" placeholder. Of the
// registered providers only digest does (ip does not).
func authenticatedScheme(scheme string) bool { return scheme == schemeDigest }

// validDigestID applies ZooKeeper's digest id check: Java's
// id.split(":") must yield exactly two parts (trailing empty parts are
// dropped, so "user:" is invalid and ":hash" is valid).
func validDigestID(id string) bool {
	parts := strings.Split(id, ":")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return len(parts) == 2
}

// parseIPExpr parses an ip ACL id: an address or address/bits, IPv4 or
// IPv6. An IPv4-mapped IPv6 address with at least 96 prefix bits is
// treated as IPv4.
func parseIPExpr(expr string) (netip.Addr, int, bool) {
	addrText, bitsText, hasBits := strings.Cut(expr, "/")
	addr, err := netip.ParseAddr(addrText)
	if err != nil || addr.Zone() != "" {
		return netip.Addr{}, 0, false
	}
	bits := addr.BitLen()
	if hasBits {
		bits, err = strconv.Atoi(bitsText)
		if err != nil || bits < 0 || bits > addr.BitLen() {
			return netip.Addr{}, 0, false
		}
	}
	if addr.Is4In6() && bits >= 96 {
		addr, bits = addr.Unmap(), bits-96
	}
	return addr, bits, true
}

// ipMatches reports whether the caller address client lies within the ip
// ACL expression expr.
func ipMatches(client, expr string) bool {
	addr, bits, ok := parseIPExpr(expr)
	if !ok {
		return false
	}
	c, err := netip.ParseAddr(client)
	if err != nil {
		return false
	}
	c = c.WithZone("").Unmap()
	if c.BitLen() != addr.BitLen() {
		return false
	}
	prefix, err := addr.Prefix(bits)
	if err != nil {
		return false
	}
	return prefix.Contains(c)
}
