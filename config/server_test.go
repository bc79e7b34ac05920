package config

import (
	"strings"
	"testing"
)

func TestParseServer(t *testing.T) {
	tests := []struct {
		value    string
		want     Server
		warnings int
	}{
		{"zk1:2888:3888", Server{ID: 7, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888}, 0},
		{"zk1:2888:3888:participant", Server{ID: 7, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888}, 0},
		{"zk1:2888:3888:OBSERVER", Server{ID: 7, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Observer: true}, 0},
		{"zk1:2888:3888;2181", Server{ID: 7, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, ClientAddr: "0.0.0.0", ClientPort: 2181}, 0},
		{"zk1:2888:3888:observer;10.0.0.1:2181",
			Server{ID: 7, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Observer: true, ClientAddr: "10.0.0.1", ClientPort: 2181}, 0},
		{"zk1:2888:3888;", Server{ID: 7, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888}, 0},
		{"[2001:db8::1]:2888:3888;[::1]:2181",
			Server{ID: 7, Host: "2001:db8::1", QuorumPort: 2888, ElectionPort: 3888, ClientAddr: "::1", ClientPort: 2181}, 0},
		{"10.0.0.1 : 2888 : 3888", Server{ID: 7, Host: "10.0.0.1", QuorumPort: 2888, ElectionPort: 3888}, 0},
		{"zk1:2888:3888|zk1b:2888:3888", Server{ID: 7, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888}, 1},
		{"zk1:2888:3888;2181;2281", Server{ID: 7, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, ClientAddr: "0.0.0.0", ClientPort: 2181}, 1},
	}
	for _, tt := range tests {
		got, warnings, err := parseServer(7, tt.value)
		if err != nil {
			t.Errorf("parseServer(%q): %v", tt.value, err)
			continue
		}
		if got != tt.want {
			t.Errorf("parseServer(%q) = %+v, want %+v", tt.value, got, tt.want)
		}
		if len(warnings) != tt.warnings {
			t.Errorf("parseServer(%q) warnings = %q, want %d", tt.value, warnings, tt.warnings)
		}
	}
}

func TestParseServerErrors(t *testing.T) {
	tests := []struct{ value, want string }{
		{"zk1", "does not have the form host:quorumPort:electionPort"},
		{"zk1:2888", "does not have the form"},
		{"zk1:2888:3888:observer:x", "does not have the form"},
		{":2888:3888", "does not have the form"},
		{"zk1:2888:3888;a;b;c", "does not have the form"},
		{"zk1:2888:3888;h:1:2", "does not have the form"},
		{"zk1:x:3888", `server.7: quorum port "x" is not a number`},
		{"zk1:2888:y", `server.7: election port "y" is not a number`},
		{"zk1:2888:3888:leader", `server.7: unrecognised peer type "leader"`},
		{"zk1:2888:3888;host:port", `server.7: client port "port" is not a number`},
		{"[::1:2888:3888", "has no matching ']'"},
		{"[::1]2888:3888", "has no port after the bracketed address"},
	}
	for _, tt := range tests {
		_, _, err := parseServer(7, tt.value)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseServer(%q) err = %v, want it to contain %q", tt.value, err, tt.want)
		}
	}
}

func TestServerSpec(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10.0.0.1:2888:3888", "10.0.0.1:2888:3888:participant"},
		{"10.0.0.1:2888:3888;2181", "10.0.0.1:2888:3888:participant;10.0.0.1:2181"},
		{"10.0.0.1:2888:3888:observer;0.0.0.0:2181", "10.0.0.1:2888:3888:observer;10.0.0.1:2181"},
		{"zk1:2888:3888:participant;192.168.1.5:2181", "zk1:2888:3888:participant;192.168.1.5:2181"},
		{"[::1]:2888:3888;[::1]:2181", "[::1]:2888:3888:participant;[::1]:2181"},
	} {
		s, _, err := ParseServer(4, tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if got := s.Spec(); got != tc.want {
			t.Errorf("Spec(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
