package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseInt parses a zoo.cfg number as Java's Integer.parseInt does: decimal
// with an optional sign, within 32 bits.
func parseInt(value string) (int, error) {
	n, err := strconv.ParseInt(value, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", value)
	}
	return int(n), nil
}

// decodeInt parses a numeric system property as Java's Integer.getInteger and
// Long.getLong do (Integer.decode): decimal, 0x/0X/# hexadecimal, or octal
// with a leading 0, with an optional sign, within bits bits.
func decodeInt(value string, bits int) (int64, error) {
	s, neg := value, false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0X"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "#"):
		base, s = 16, s[1:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	if s == "" || s[0] == '-' || s[0] == '+' {
		return 0, fmt.Errorf("%q is not an integer", value)
	}
	u, err := strconv.ParseUint(s, base, bits)
	limit := uint64(1) << (bits - 1)
	if err != nil || u > limit || (!neg && u == limit) {
		return 0, fmt.Errorf("%q is not an integer", value)
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

// decodeInt32 is decodeInt for an int property.
func decodeInt32(value string) (int, error) {
	n, err := decodeInt(value, 32)
	return int(n), err
}

// parseBool accepts true/false and yes/no in any case. ZooKeeper wants
// true/false for most keys and "yes" for skipACL; zkd takes either spelling
// everywhere and rejects anything else rather than reading it as false.
func parseBool(value string) (bool, error) {
	switch strings.ToLower(value) {
	case "true", "yes":
		return true, nil
	case "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (want true or false)", value)
}

// parseMillis parses a zoo.cfg count of milliseconds.
func parseMillis(value string) (time.Duration, error) {
	n, err := parseInt(value)
	return time.Duration(n) * time.Millisecond, err
}

// parsePurgeInterval parses autopurge.purgeInterval: a whole number of hours
// as in ZooKeeper 3.9, or a number with one of the suffixes ms, s, m, h, d
// that ZooKeeper 3.10 accepts. Zero or less turns purging off.
func parsePurgeInterval(value string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{
		{"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute},
		{"h", time.Hour}, {"d", 24 * time.Hour},
	}
	num, unit := value, time.Hour
	for _, u := range units {
		if strings.HasSuffix(strings.ToLower(value), u.suffix) {
			num, unit = strings.TrimSpace(value[:len(value)-len(u.suffix)]), u.unit
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number of hours", value)
	}
	if n <= 0 {
		return 0, nil
	}
	return time.Duration(n) * unit, nil
}
