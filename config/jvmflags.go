package config

import (
	"errors"
	"fmt"
	"strings"
)

// ApplyJVMFlags applies the -Dname=value tokens of a JVM command line, split
// as a shell splits words (blanks separate; single quotes, double quotes and
// backslashes quote). The system properties zkd honours are set; other -D
// properties add a warning; other tokens (-Xmx2g, -XX:+UseG1GC, -cp ...) are
// ignored silently. A property that the config file already set keeps the
// file's value, because ZooKeeper applies zoo.cfg after the JVM reads its
// flags. When a property repeats, the last one wins, as in Java.
func (c *Config) ApplyJVMFlags(flags string) error {
	return c.applyJVMFlags(flags, "JVM flags")
}

// FromEnv applies the JVM flags that zkServer.sh passes to the server:
// SERVER_JVMFLAGS, then JVMFLAGS (which zkServer.sh puts later on the java
// command line, so they win).
func FromEnv(c *Config, getenv func(string) string) error {
	for _, name := range []string{"SERVER_JVMFLAGS", "JVMFLAGS"} {
		if v := getenv(name); v != "" {
			if err := c.applyJVMFlags(v, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyJVMFlags is ApplyJVMFlags with origin naming the flags in messages.
func (c *Config) applyJVMFlags(flags, origin string) error {
	words, err := splitWords(flags)
	if err != nil {
		return fmt.Errorf("config %s: %w", origin, err)
	}
	for _, w := range words {
		if !strings.HasPrefix(w, "-D") {
			continue
		}
		name, value, _ := strings.Cut(w[2:], "=")
		if name == "" {
			return fmt.Errorf("config %s: %q has no property name", origin, w)
		}
		flag := "-D" + name
		if c.fromFile[name] {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: %s sets %s, which wins as in ZooKeeper; ignored",
				origin, flag, sourceName(c.Source), strings.TrimPrefix(name, "zookeeper.")))
			continue
		}
		ok, note, err := c.setProperty(name, value)
		switch {
		case err != nil:
			return fmt.Errorf("config %s: %s: %w", origin, flag, err)
		case ok:
			if note != "" {
				c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: %s", origin, flag, note))
			}
			continue
		}
		if note, known := propertyNote(name, value); known {
			if note != "" {
				c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: %s", origin, flag, note))
			}
			continue
		}
		if key, ok := strings.CutPrefix(name, "zookeeper."); ok && isQuorumKey(key) {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: ZooKeeper reads %s only from zoo.cfg; ignored", origin, flag, key))
			continue
		}
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: not a setting zkd reads; ignored", origin, flag))
	}
	return nil
}

var errUnterminatedQuote = errors.New("unterminated quote")

// splitWords splits s into words as a POSIX shell does, without expansions:
// blanks separate words; '...' quotes everything up to the next '; "..."
// quotes up to the next unescaped ", inside which a backslash escapes only
// $ ` " \ and newline; elsewhere a backslash quotes the next character and a
// backslash-newline disappears.
func splitWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errUnterminatedQuote
			}
			w.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
					i++
					if s[i] == '\n' {
						continue
					}
				}
				w.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errUnterminatedQuote
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '\n' {
				continue
			}
			w.WriteByte(s[i])
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
