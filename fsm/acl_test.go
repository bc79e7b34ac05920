package fsm

import (
	"slices"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

func TestDigestID(t *testing.T) {
	// Reference values computed independently (python hashlib + base64).
	tests := map[string]string{
		"bob:password": "bob:2iWEWEOE3O/8NqjmqdBNCljaaSA=",
		"super:secret": "super:lK75jTNcA+U9vtVEw5vB51mj/w4=",
		"a:b:c":        "a:cLzgnoJ6mP5qz3w+mwvPE2vDgu0=",
	}
	for in, want := range tests {
		if got := DigestID(in); got != want {
			t.Errorf("DigestID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckACL(t *testing.T) {
	ip := func(expr string, perms int32) proto.ACL {
		return proto.ACL{Perms: perms, ID: proto.Id{Scheme: "ip", ID: expr}}
	}
	tests := []struct {
		name string
		acl  []proto.ACL
		auth []proto.Id
		perm int32
		want bool
	}{
		{"empty acl allows", nil, nil, proto.PermAdmin, true},
		{"world anyone", proto.OpenACLUnsafe, nil, proto.PermWrite, true},
		{"world read only denies write", readOnly, nil, proto.PermWrite, false},
		{"world read allows read", readOnly, nil, proto.PermRead, true},
		{"super bypasses", bobOnly, []proto.Id{superID}, proto.PermAdmin, true},
		{"super any id", bobOnly, []proto.Id{{Scheme: "super", ID: "x"}}, proto.PermAdmin, true},
		{"digest exact", bobOnly, []proto.Id{bob}, proto.PermDelete, true},
		{"digest other user", bobOnly, []proto.Id{alice}, proto.PermRead, false},
		{"digest no auth", bobOnly, nil, proto.PermRead, false},
		{"digest wrong scheme same id", bobOnly, []proto.Id{{Scheme: "ip", ID: bob.ID}}, proto.PermRead, false},
		{"perm bits must overlap", []proto.ACL{{Perms: proto.PermRead, ID: bob}}, []proto.Id{bob}, proto.PermWrite, false},
		{"any bit of mask suffices", []proto.ACL{{Perms: proto.PermAdmin, ID: bob}}, []proto.Id{bob}, proto.PermRead | proto.PermAdmin, true},
		{"second entry matches", []proto.ACL{{Perms: proto.PermRead, ID: alice}, {Perms: proto.PermAll, ID: bob}}, []proto.Id{bob}, proto.PermWrite, true},
		{"ip exact", []proto.ACL{ip("127.0.0.1", proto.PermAll)}, []proto.Id{localIP}, proto.PermRead, true},
		{"ip other", []proto.ACL{ip("127.0.0.2", proto.PermAll)}, []proto.Id{localIP}, proto.PermRead, false},
		{"ip cidr", []proto.ACL{ip("10.1.0.0/16", proto.PermAll)}, []proto.Id{{Scheme: "ip", ID: "10.1.200.3"}}, proto.PermRead, true},
		{"ip cidr host bits set", []proto.ACL{ip("10.1.2.3/8", proto.PermAll)}, []proto.Id{{Scheme: "ip", ID: "10.200.0.1"}}, proto.PermRead, true},
		{"ip cidr outside", []proto.ACL{ip("10.1.0.0/16", proto.PermAll)}, []proto.Id{{Scheme: "ip", ID: "10.2.0.1"}}, proto.PermRead, false},
		{"ip /0", []proto.ACL{ip("0.0.0.0/0", proto.PermAll)}, []proto.Id{{Scheme: "ip", ID: "8.8.8.8"}}, proto.PermRead, true},
		{"ip v6 cidr", []proto.ACL{ip("2001:db8::/32", proto.PermAll)}, []proto.Id{{Scheme: "ip", ID: "2001:db8::17"}}, proto.PermRead, true},
		{"ip v6 vs v4", []proto.ACL{ip("::/0", proto.PermAll)}, []proto.Id{localIP}, proto.PermRead, false},
		{"ip mapped client", []proto.ACL{ip("127.0.0.0/8", proto.PermAll)}, []proto.Id{{Scheme: "ip", ID: "::ffff:127.0.0.9"}}, proto.PermRead, true},
		{"ip malformed acl", []proto.ACL{ip("127.0.0.1/33", proto.PermAll)}, []proto.Id{localIP}, proto.PermRead, false},
		{"ip malformed client", []proto.ACL{ip("127.0.0.1", proto.PermAll)}, []proto.Id{{Scheme: "ip", ID: "localhost"}}, proto.PermRead, false},
		{"unknown scheme never matches", []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "sasl", ID: "u"}}}, []proto.Id{{Scheme: "sasl", ID: "u"}}, proto.PermRead, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckACL(tc.acl, tc.auth, tc.perm); got != tc.want {
				t.Fatalf("CheckACL = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFixupACL(t *testing.T) {
	world := proto.ACL{Perms: proto.PermAll, ID: proto.WorldAnyone}
	authACL := proto.ACL{Perms: proto.PermRead | proto.PermWrite, ID: proto.Id{Scheme: "auth", ID: ""}}
	digest := func(id string) proto.ACL {
		return proto.ACL{Perms: proto.PermAll, ID: proto.Id{Scheme: "digest", ID: id}}
	}
	ip := func(id string) proto.ACL { return proto.ACL{Perms: proto.PermAll, ID: proto.Id{Scheme: "ip", ID: id}} }
	tests := []struct {
		name string
		acl  []proto.ACL
		auth []proto.Id
		want []proto.ACL
		code proto.Code
	}{
		{"nil", nil, nil, nil, proto.ErrInvalidACL},
		{"empty", []proto.ACL{}, nil, nil, proto.ErrInvalidACL},
		{"world anyone", []proto.ACL{world}, nil, []proto.ACL{world}, proto.OK},
		{"duplicates removed", []proto.ACL{world, world, digest("u:h"), world}, nil, []proto.ACL{world, digest("u:h")}, proto.OK},
		{"same id other perms kept", []proto.ACL{world, {Perms: 1, ID: proto.WorldAnyone}}, nil, []proto.ACL{world, {Perms: 1, ID: proto.WorldAnyone}}, proto.OK},
		{"world other id", []proto.ACL{{Perms: 1, ID: proto.Id{Scheme: "world", ID: "someone"}}}, nil, nil, proto.ErrInvalidACL},
		{"auth expands digest ids only", []proto.ACL{authACL}, []proto.Id{localIP, bob, superID, alice},
			[]proto.ACL{{Perms: authACL.Perms, ID: bob}, {Perms: authACL.Perms, ID: alice}}, proto.OK},
		{"auth without digest", []proto.ACL{authACL}, []proto.Id{localIP, superID}, nil, proto.ErrInvalidACL},
		{"auth no ids", []proto.ACL{world, authACL}, nil, nil, proto.ErrInvalidACL},
		{"digest valid", []proto.ACL{digest("user:hash")}, nil, []proto.ACL{digest("user:hash")}, proto.OK},
		{"digest empty user", []proto.ACL{digest(":hash")}, nil, []proto.ACL{digest(":hash")}, proto.OK},
		{"digest no colon", []proto.ACL{digest("userhash")}, nil, nil, proto.ErrInvalidACL},
		{"digest two colons", []proto.ACL{digest("a:b:c")}, nil, nil, proto.ErrInvalidACL},
		{"digest empty hash", []proto.ACL{digest("user:")}, nil, nil, proto.ErrInvalidACL},
		{"ip v4", []proto.ACL{ip("10.0.0.1")}, nil, []proto.ACL{ip("10.0.0.1")}, proto.OK},
		{"ip v4 cidr", []proto.ACL{ip("10.0.0.0/8")}, nil, []proto.ACL{ip("10.0.0.0/8")}, proto.OK},
		{"ip v6 cidr", []proto.ACL{ip("fe80::/10")}, nil, []proto.ACL{ip("fe80::/10")}, proto.OK},
		{"ip bad bits", []proto.ACL{ip("10.0.0.0/33")}, nil, nil, proto.ErrInvalidACL},
		{"ip negative bits", []proto.ACL{ip("10.0.0.0/-1")}, nil, nil, proto.ErrInvalidACL},
		{"ip hostname", []proto.ACL{ip("localhost")}, nil, nil, proto.ErrInvalidACL},
		{"unknown scheme", []proto.ACL{world, {Perms: 1, ID: proto.Id{Scheme: "x509", ID: "CN=a"}}}, nil, nil, proto.ErrInvalidACL},
		{"super scheme", []proto.ACL{{Perms: 1, ID: superID}}, nil, nil, proto.ErrInvalidACL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, code := fixupACL(tc.acl, tc.auth)
			if code != tc.code {
				t.Fatalf("code = %v, want %v", code, tc.code)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("acl = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFixupACLManyDuplicates(t *testing.T) {
	acl := make([]proto.ACL, 0, 1000)
	for i := range 1000 {
		acl = append(acl, proto.ACL{Perms: int32(i % 3), ID: proto.WorldAnyone})
	}
	got, code := fixupACL(acl, nil)
	if code != proto.OK || len(got) != 3 || got[0].Perms != 0 || got[1].Perms != 1 || got[2].Perms != 2 {
		t.Fatalf("got %v %v", got, code)
	}
}
