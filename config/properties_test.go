package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestReadProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "key=value@line" joined by "|"
	}{
		{"equals", "a=b", "a=b@1"},
		{"colon", "a:b", "a=b@1"},
		{"blank separator", "a b", "a=b@1"},
		{"blanks around separator", "  a \t = \t b  ", "a=b@1"},
		{"blank then colon", "a   :  b", "a=b@1"},
		{"second separator is value", "a==b", "a==b@1"},
		{"key only", "a", "a=@1"},
		{"empty value", "a=", "a=@1"},
		{"hash comment", "# c\na=1", "a=1@2"},
		{"bang comment", "  ! c\na=1", "a=1@2"},
		{"hash inside value", "a=b # not a comment", "a=b # not a comment@1"},
		{"blank lines", "\n\n  \t\na=1\n\n", "a=1@4"},
		{"crlf", "a=1\r\nb=2\r\n", "a=1@1|b=2@2"},
		{"cr only", "a=1\rb=2", "a=1@1|b=2@2"},
		{"continuation", "a=one \\\n    two", "a=one two@1"},
		{"continuation of key", "serv\\\n  er.1=h:1:2", "server.1=h:1:2@1"},
		{"double backslash does not continue", "a=x\\\\\nb=y", `a=x\@1|b=y@2`},
		{"comment does not continue", "# c \\\na=1", "a=1@2"},
		{"continued line may start with hash", "a=1\\\n  #2", "a=1#2@1"},
		{"blank continuation ends the line", "a=1\\\n\nb=2", "a=1@1|b=2@3"},
		{"continuation at end of file", "a=1\\", "a=1@1"},
		{"escaped separator in key", `a\=b=c`, "a=b=c@1"},
		{"escaped blank in key", `a\ b c`, "a b=c@1"},
		{"escapes", `a=x\ty\u0041\:\\z`, "a=x\ty" + `A:\z@1`},
		{"windows path", `dataDir=C:\\zk\\data`, `dataDir=C:\zk\data@1`},
		{"unknown escape drops backslash", `dataDir=C:\zk`, "dataDir=C:zk@1"},
		{"surrogate pair", `a=\uD83D\uDE00`, "a=\U0001F600@1"},
		{"utf-8 kept", "dataDir=/données", "dataDir=/données@1"},
		{"duplicate keeps last value at its position", "a=1\nb=2\na=3", "a=3@3|b=2@2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props, _, err := readProperties(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("readProperties: %v", err)
			}
			var got []string
			for _, p := range props {
				got = append(got, fmt.Sprintf("%s=%s@%d", p.key, p.value, p.line))
			}
			if g := strings.Join(got, "|"); g != tt.want {
				t.Errorf("got  %q\nwant %q", g, tt.want)
			}
		})
	}
}

func TestReadPropertiesDuplicates(t *testing.T) {
	_, dups, err := readProperties(strings.NewReader("a=1\na=2\na=3"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dups) != 2 || dups[0].value != "1" || dups[1].value != "2" {
		t.Errorf("dups = %+v, want the values 1 and 2", dups)
	}
}

func TestReadPropertiesErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"short unicode escape", "a=\\u12", `line 1: malformed \uxxxx escape`},
		{"bad unicode escape", "x=1\na=\\uzzzz", `line 2: malformed \uxxxx escape`},
		{"too large", strings.Repeat("#", maxFileSize+1), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readProperties(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
