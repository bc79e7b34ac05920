package config

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
)

// maxFileSize bounds what readProperties reads: a zoo.cfg is a few KiB.
const maxFileSize = 4 << 20

// property is one key/value pair of a Java properties file, both trimmed as
// ZooKeeper trims them, with the line its logical line starts on.
type property struct {
	key, value string
	line       int
}

// readProperties parses r with the rules of java.util.Properties.load:
//
//   - lines end at \n, \r or \r\n; leading blanks (space, tab, form feed)
//     are skipped and blank lines ignored;
//   - a line whose first non-blank character is # or ! is a comment (a
//     comment never continues onto the next line);
//   - a line ending in an odd number of backslashes continues on the next
//     line, whose leading blanks are dropped;
//   - the key ends at the first unescaped '=', ':' or blank; blanks and at
//     most one '=' or ':' after it are skipped and the rest is the value;
//   - \t \n \r \f and \uXXXX are escapes, and a backslash before any other
//     character stands for that character.
//
// Unlike Java, which reads ISO-8859-1, bytes are kept as they are, so a
// UTF-8 file means what it says. When a key repeats, the last value wins, as
// with Java's Properties; dups lists the earlier occurrences.
func readProperties(r io.Reader) (props []property, dups []property, err error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, nil, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	lines := naturalLines(string(data))
	index := map[string]int{}
	for i := 0; i < len(lines); i++ {
		start := i
		line := trimLeftBlanks(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		var logical strings.Builder
		for {
			n := trailingBackslashes(line)
			if n%2 == 0 {
				logical.WriteString(line)
				break
			}
			logical.WriteString(line[:len(line)-1])
			if i+1 >= len(lines) {
				break
			}
			i++
			line = trimLeftBlanks(lines[i])
			if line == "" {
				break
			}
		}
		key, value, err := splitProperty(logical.String())
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", start+1, err)
		}
		p := property{key: strings.TrimSpace(key), value: strings.TrimSpace(value), line: start + 1}
		if j, ok := index[p.key]; ok {
			dups = append(dups, props[j])
			props[j] = p
			continue
		}
		index[p.key] = len(props)
		props = append(props, p)
	}
	return props, dups, nil
}

// naturalLines splits s at \n, \r and \r\n.
func naturalLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeftBlanks(s string) string {
	i := 0
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return s[i:]
}

func trailingBackslashes(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n
}

// splitProperty splits a logical line into its unescaped key and value.
func splitProperty(line string) (key, value string, err error) {
	keyLen, valueStart := 0, len(line)
	hasSep, escaped := false, false
	for ; keyLen < len(line); keyLen++ {
		c := line[keyLen]
		if !escaped && (c == '=' || c == ':') {
			valueStart, hasSep = keyLen+1, true
			break
		}
		if !escaped && isBlank(c) {
			valueStart = keyLen + 1
			break
		}
		escaped = c == '\\' && !escaped
	}
	for ; valueStart < len(line); valueStart++ {
		c := line[valueStart]
		if isBlank(c) {
			continue
		}
		if !hasSep && (c == '=' || c == ':') {
			hasSep = true
			continue
		}
		break
	}
	if key, err = unescape(line[:keyLen]); err != nil {
		return "", "", err
	}
	if value, err = unescape(line[valueStart:]); err != nil {
		return "", "", err
	}
	return key, value, nil
}

var errBadUnicodeEscape = errors.New(`malformed \uxxxx escape`)

// unescape applies the escapes of a properties file.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break // a lone trailing backslash stands for nothing
		}
		switch c = s[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, n, err := unicodeEscape(s[i+1:])
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
			i += n
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// unicodeEscape decodes the XXXX of a \uXXXX escape at the start of s, and a
// following \uXXXX when the two form a UTF-16 surrogate pair, as Java does.
// n is how many bytes of s it consumed.
func unicodeEscape(s string) (r rune, n int, err error) {
	hex := func(s string) (rune, bool) {
		if len(s) < 4 {
			return 0, false
		}
		v, err := strconv.ParseUint(s[:4], 16, 16)
		return rune(v), err == nil
	}
	r, ok := hex(s)
	if !ok {
		return 0, 0, errBadUnicodeEscape
	}
	if utf16.IsSurrogate(r) && len(s) >= 10 && s[4] == '\\' && s[5] == 'u' {
		if low, ok := hex(s[6:]); ok {
			if pair := utf16.DecodeRune(r, low); pair != '\uFFFD' {
				return pair, 10, nil
			}
		}
	}
	return r, 4, nil
}
