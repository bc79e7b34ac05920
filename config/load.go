package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Load reads the zoo.cfg at path as ZooKeeper's QuorumPeerConfig.parse
// does: the file itself (Parse), then the dynamicConfigFile it names, then,
// when servers are configured, this server's id from dataDir/myid. With the
// id known, this server's server.N line supplies the client address when it
// has one and decides peerType. Relative paths (dataDir, dynamicConfigFile)
// are relative to the working directory, as in ZooKeeper.
//
// Load does not call Validate: apply FromEnv first, then Validate.
func Load(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	c, err := Parse(f, path)
	if err != nil {
		return Config{}, err
	}
	if c.DynamicConfigFile != "" {
		if err := c.loadDynamic(c.DynamicConfigFile); err != nil {
			return Config{}, err
		}
	}
	if len(c.Servers) > 0 {
		if err := c.loadMyID(); err != nil {
			return Config{}, err
		}
	}
	if err := c.applySelf(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// loadDynamic reads a dynamic config file: server.N, group.N and weight.N
// lines only. Its version comes from its name (zoo.cfg.dynamic.<hex>), so
// a version key inside is an error, as in ZooKeeper.
func (c *Config) loadDynamic(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config %s: dynamicConfigFile: %w", sourceName(c.Source), err)
	}
	defer f.Close()
	props, dups, err := readProperties(f)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	p := &parser{c: c, source: path, servers: map[uint64]Server{}}
	p.warnDuplicates(props, dups)
	for _, prop := range props {
		switch {
		case prop.key == "version":
			return p.errorf(prop.line, "a dynamic config file must not contain version (it comes from the file name)")
		case strings.HasPrefix(prop.key, "server."):
			if err := p.addServer(prop); err != nil {
				return err
			}
		case strings.HasPrefix(prop.key, "group."), strings.HasPrefix(prop.key, "weight."):
			note, _ := quorumKeyNote(prop.key, prop.value)
			p.warn(prop.line, "%s: %s", prop.key, note)
		default:
			return p.errorf(prop.line, "unrecognised parameter %q in a dynamic config file", prop.key)
		}
	}
	p.setServers()
	return nil
}

// loadMyID reads dataDir/myid when it is a regular file. ZooKeeper reads its
// first line; zkd also tolerates blanks around the number.
func (c *Config) loadMyID() error {
	path := filepath.Join(c.DataDir, "myid")
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return nil // Validate reports a missing myid when one is needed
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config %s: myid: %w", sourceName(c.Source), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return fmt.Errorf("config %s: myid: %w", sourceName(c.Source), err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	first = strings.TrimSpace(first)
	id, err := strconv.ParseUint(first, 10, 64)
	if err != nil {
		return fmt.Errorf("config %s: myid file %s: %q is not a server id", sourceName(c.Source), path, first)
	}
	c.MyID = id
	return nil
}

// applySelf does what ZooKeeper's setupClientPort and setupPeerType do once
// the server knows its id: the client address in its server.N line wins
// over clientPort/clientPortAddress (and must agree with them when both are
// given), and its role in the server list wins over peerType.
func (c *Config) applySelf() error {
	if c.MyID == 0 {
		return nil
	}
	var self *Server
	for i := range c.Servers {
		if c.Servers[i].ID == c.MyID {
			self = &c.Servers[i]
		}
	}
	if self == nil {
		return nil // Validate reports it when the server is distributed
	}
	if self.ClientPort != 0 {
		if c.ClientPort != 0 {
			differs := c.ClientPort != self.ClientPort ||
				(!isWildcard(c.ClientPortAddress) && c.ClientPortAddress != self.ClientAddr)
			if differs {
				return fmt.Errorf("config %s: client address for this server (id %d) is %s in the static config but %s in server.%d",
					sourceName(c.Source), c.MyID, hostPort(c.ClientPortAddress, c.ClientPort), hostPort(self.ClientAddr, self.ClientPort), c.MyID)
			}
		}
		c.ClientPortAddress, c.ClientPort = self.ClientAddr, self.ClientPort
	}
	role := "participant"
	if self.Observer {
		role = "observer"
	}
	if c.PeerType != role {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: peerType %s does not match server.%d, which makes this server a %s; using %s, as ZooKeeper does",
			sourceName(c.Source), c.PeerType, c.MyID, role, role))
		c.PeerType = role
	}
	return nil
}

func hostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}
