package config

import (
	"fmt"
	"strconv"
	"strings"
)

const serverForm = "host:quorumPort:electionPort[:participant|:observer][;[clientAddress:]clientPort]"

// parseServerID parses the N of a server.N key.
func parseServerID(key string) (uint64, error) {
	n := strings.TrimPrefix(key, "server.")
	id, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a server id", key, n)
	}
	return id, nil
}

// parseServer parses the value of a server.N line the way ZooKeeper's
// QuorumServer does. IPv6 hosts go in brackets. A line that lists several
// addresses separated by '|' (ZooKeeper's multiAddress) keeps the first; a
// third ';' part (a secure client address) is ignored. Both cases return a
// warning. Port ranges are left to Validate.
func parseServer(id uint64, value string) (s Server, warnings []string, err error) {
	s.ID = id
	bad := func() error {
		return fmt.Errorf("server.%d: %q does not have the form %s", id, value, serverForm)
	}
	parts := strings.Split(value, ";")
	for len(parts) > 1 && strings.TrimSpace(parts[len(parts)-1]) == "" {
		parts = parts[:len(parts)-1] // Java's split drops trailing empty parts
	}
	if len(parts) > 3 {
		return s, nil, bad()
	}
	if len(parts) == 3 {
		warnings = append(warnings, fmt.Sprintf("server.%d: secure client address %q: %s", id, strings.TrimSpace(parts[2]), noteTLS))
	}
	addrs := strings.Split(parts[0], "|")
	if len(addrs) > 1 {
		warnings = append(warnings, fmt.Sprintf("server.%d: multiple addresses are not implemented by zkd; using the first, %s", id, strings.TrimSpace(addrs[0])))
	}
	fields, err := hostAndPorts(strings.TrimSpace(addrs[0]))
	if err != nil {
		return s, nil, fmt.Errorf("server.%d: %w", id, err)
	}
	if len(fields) < 3 || len(fields) > 4 || fields[0] == "" {
		return s, nil, bad()
	}
	s.Host = fields[0]
	if s.QuorumPort, err = portNumber(fields[1]); err != nil {
		return s, nil, fmt.Errorf("server.%d: quorum port %w", id, err)
	}
	if s.ElectionPort, err = portNumber(fields[2]); err != nil {
		return s, nil, fmt.Errorf("server.%d: election port %w", id, err)
	}
	if len(fields) == 4 {
		switch strings.ToLower(fields[3]) {
		case "participant":
		case "observer":
			s.Observer = true
		default:
			return s, nil, fmt.Errorf("server.%d: unrecognised peer type %q (want participant or observer)", id, fields[3])
		}
	}
	if len(parts) >= 2 {
		client, err := hostAndPorts(strings.TrimSpace(parts[1]))
		if err != nil {
			return s, nil, fmt.Errorf("server.%d: client address: %w", id, err)
		}
		switch len(client) {
		case 1:
			s.ClientAddr = "0.0.0.0"
		case 2:
			s.ClientAddr = client[0]
		default:
			return s, nil, bad()
		}
		if s.ClientPort, err = portNumber(client[len(client)-1]); err != nil {
			return s, nil, fmt.Errorf("server.%d: client port %w", id, err)
		}
	}
	return s, warnings, nil
}

// hostAndPorts splits "host:p1:p2..." at colons, or "[v6addr]:p1:p2..." at
// the colons after the bracket, returning the host first (without brackets).
func hostAndPorts(s string) ([]string, error) {
	if !strings.HasPrefix(s, "[") {
		return trimAll(strings.Split(s, ":")), nil
	}
	end := strings.Index(s, "]")
	if end < 0 {
		return nil, fmt.Errorf("%q starts with '[' but has no matching ']'", s)
	}
	host, rest := s[1:end], s[end+1:]
	if rest == "" {
		return []string{host}, nil
	}
	if rest[0] != ':' || len(rest) == 1 {
		return nil, fmt.Errorf("%q has no port after the bracketed address", s)
	}
	return append([]string{host}, trimAll(strings.Split(rest[1:], ":"))...), nil
}

func trimAll(ss []string) []string {
	for i := range ss {
		ss[i] = strings.TrimSpace(ss[i])
	}
	return ss
}

// portNumber parses a port as Java's Integer.parseInt; Validate checks its range.
func portNumber(s string) (int, error) {
	n, err := parseInt(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return n, nil
}

// ParseServer parses the spec of a server.N line (what follows the '='),
// as zoo.cfg and reconfig give it; warnings name the parts zkd ignores.
func ParseServer(id uint64, spec string) (Server, []string, error) {
	return parseServer(id, spec)
}

// Spec formats s as ZooKeeper's /zookeeper/config shows a server:
// host:quorumPort:electionPort:role[;clientAddress:clientPort]. A
// wildcard client address is replaced by the server's host, so clients
// reading the config (Curator's ensemble tracker) get an address they can
// dial rather than 0.0.0.0.
func (s Server) Spec() string {
	role := "participant"
	if s.Observer {
		role = "observer"
	}
	spec := fmt.Sprintf("%s:%d:%d:%s", bracket(s.Host), s.QuorumPort, s.ElectionPort, role)
	if s.ClientPort == 0 {
		return spec
	}
	addr := s.ClientAddr
	if isWildcard(addr) {
		addr = s.Host
	}
	return spec + ";" + bracket(addr) + ":" + strconv.Itoa(s.ClientPort)
}

// bracket puts an IPv6 address in brackets.
func bracket(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}
