package config

import (
	"fmt"
	"strings"
	"time"
)

// setProperty applies the Java system property name=value when zkd honours
// it, whether it came from a -D flag or from a zoo.cfg key k (which
// ZooKeeper turns into the property zookeeper.k). ok is false for a property
// zkd does not read. note, when not empty, says how the value was adjusted
// the way ZooKeeper adjusts it. The error does not name the property; the
// caller knows how the user spelt it.
func (c *Config) setProperty(name, value string) (ok bool, note string, err error) {
	switch name {
	case "zookeeper.4lw.commands.whitelist":
		c.setFourLetterWords(value)
	case "zookeeper.admin.enableServer":
		c.AdminEnableServer, err = parseBool(value)
	case "zookeeper.admin.serverAddress":
		c.AdminServerAddress = value
	case "zookeeper.admin.serverPort":
		c.AdminServerPort, err = decodeInt32(value)
	case "zookeeper.admin.commandURL":
		c.AdminCommandURL = value
	case "zookeeper.DigestAuthenticationProvider.superDigest":
		c.SuperDigest = value
	case "zookeeper.extendedTypesEnabled":
		c.ExtendedTypesEnabled, err = parseBool(value)
	case "zookeeper.enforceQuota":
		c.EnforceQuota, err = parseBool(value)
	case "zookeeper.skipACL":
		c.SkipACL, err = parseBool(value)
	case "readonlymode.enabled":
		c.ReadOnlyMode, err = parseBool(value)
	case "jute.maxbuffer":
		c.JuteMaxBuffer, err = decodeInt32(value)
	case "znode.container.checkIntervalMs":
		var ms int
		ms, err = decodeInt32(value)
		c.ContainerCheckInterval = time.Duration(ms) * time.Millisecond
	case "znode.container.maxPerMinute":
		c.ContainerMaxPerMinute, err = decodeInt32(value)
	case "znode.container.maxNeverUsedIntervalMs":
		var ms int64
		ms, err = decodeInt(value, 64)
		c.ContainerMaxNeverUsed = time.Duration(ms) * time.Millisecond
	case "zookeeper.snapCount":
		c.SnapCount, err = decodeInt32(value)
		if err == nil && c.SnapCount < 2 {
			note = fmt.Sprintf("snapCount %d raised to 2, the minimum, as ZooKeeper does", c.SnapCount)
			c.SnapCount = 2
		}
	case "zookeeper.fsync.warningthresholdms":
		var ms int64
		ms, err = decodeInt(value, 64)
		if err == nil && ms <= 0 {
			note = fmt.Sprintf("fsync.warningthresholdms %d is not positive; keeping %v", ms, c.FsyncWarning)
			ms = c.FsyncWarning.Milliseconds()
		}
		c.FsyncWarning = time.Duration(ms) * time.Millisecond
	case "zookeeper.snapSizeLimitInKb":
		var kb int64
		kb, err = decodeInt(value, 64)
		if err == nil && kb <= 0 {
			note = fmt.Sprintf("snapSizeLimitInKb %d switches the byte trigger off", kb)
			kb = 0
		}
		c.SnapSizeLimit = kb << 10
	case "zookeeper.maxCnxns":
		c.MaxCnxns, err = decodeInt32(value)
		if err == nil && c.MaxCnxns < 0 {
			note = fmt.Sprintf("maxCnxns %d means unlimited; using 0", c.MaxCnxns)
			c.MaxCnxns = 0
		}
	case "zookeeper.globalOutstandingLimit":
		c.GlobalOutstandingLimit, err = decodeInt32(value)
	default:
		return false, "", nil
	}
	return true, note, err
}

// setFourLetterWords applies a 4lw.commands.whitelist value: a comma
// separated list, blanks trimmed, "*" for every command. srvr is always
// added, as ZooKeeper does, so an explicit list is never empty.
func (c *Config) setFourLetterWords(value string) {
	words := map[string]bool{"srvr": true}
	all := false
	for _, w := range strings.Split(value, ",") {
		switch w = strings.TrimSpace(w); w {
		case "":
		case "*":
			all = true
		default:
			words[w] = true
		}
	}
	c.FourLetterWords, c.FourLetterAll = words, all
}

// isJVMOnlyProperty reports whether name is a property zkd honours that has
// no "zookeeper." prefix, so that ZooKeeper cannot take it from zoo.cfg.
func isJVMOnlyProperty(name string) bool {
	switch name {
	case "jute.maxbuffer", "readonlymode.enabled", "znode.container.checkIntervalMs",
		"znode.container.maxPerMinute", "znode.container.maxNeverUsedIntervalMs":
		return true
	}
	return false
}
