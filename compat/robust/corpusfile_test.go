package robust

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"
)

// corpusValue is one argument of a fuzz input: bytes for []byte and
// string, num for every integer type.
type corpusValue struct {
	kind  string // "[]byte", "string", "int32", "rune", "uint32", "byte", ...
	bytes []byte
	num   int64
}

// corpusInput is one file of a fuzz corpus.
type corpusInput struct {
	file string
	args []corpusValue
}

const corpusHeader = "go test fuzz v1"

// parseCorpusFile reads Go's "go test fuzz v1" format: a header line,
// then one Go call expression per argument, such as []byte("\x00a"),
// rune('\x15'), int32(-7) or uint32(1048559).
func parseCorpusFile(data []byte) ([]corpusValue, error) {
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) == 0 || string(bytes.TrimSpace(lines[0])) != corpusHeader {
		return nil, fmt.Errorf("corpus file: missing %q header", corpusHeader)
	}
	var out []corpusValue
	for _, line := range lines[1:] {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		v, err := parseCorpusValue(string(line))
		if err != nil {
			return nil, fmt.Errorf("corpus file: %q: %w", line, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseCorpusValue(line string) (corpusValue, error) {
	expr, err := parser.ParseExpr(line)
	if err != nil {
		return corpusValue{}, fmt.Errorf("parse: %w", err)
	}
	call, ok := expr.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return corpusValue{}, fmt.Errorf("not a conversion call")
	}
	var kind string
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		kind = fn.Name
	case *ast.ArrayType:
		if id, ok := fn.Elt.(*ast.Ident); ok && fn.Len == nil && (id.Name == "byte" || id.Name == "uint8") {
			kind = "[]byte"
		}
	}
	arg := call.Args[0]
	neg := false
	if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		neg, arg = true, u.X
	}
	lit, ok := arg.(*ast.BasicLit)
	if !ok {
		return corpusValue{}, fmt.Errorf("argument is not a literal")
	}
	switch kind {
	case "[]byte", "string":
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return corpusValue{}, fmt.Errorf("unquote: %w", err)
		}
		return corpusValue{kind: kind, bytes: []byte(s)}, nil
	case "int", "int8", "int16", "int32", "int64", "rune",
		"uint", "uint8", "uint16", "uint32", "uint64", "byte":
		var n int64
		switch lit.Kind {
		case token.CHAR:
			r, _, _, err := strconv.UnquoteChar(lit.Value[1:len(lit.Value)-1], '\'')
			if err != nil {
				return corpusValue{}, fmt.Errorf("char: %w", err)
			}
			n = int64(r)
		case token.INT:
			u, err := strconv.ParseUint(lit.Value, 0, 64)
			if err != nil {
				return corpusValue{}, fmt.Errorf("int: %w", err)
			}
			n = int64(u)
		default:
			return corpusValue{}, fmt.Errorf("unexpected literal %s", lit.Value)
		}
		if neg {
			n = -n
		}
		return corpusValue{kind: kind, num: n}, nil
	}
	return corpusValue{}, fmt.Errorf("unsupported type %q", kind)
}

// loadCorpus reads every file of testdata/corpus/<target>, sorted by
// name, and checks each has the argument kinds the target takes.
func loadCorpus(t *testing.T, target string, kinds ...[]string) []corpusInput {
	t.Helper()
	dir := filepath.Join("testdata", "corpus", target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("corpus %s: %v", target, err)
	}
	var out []corpusInput
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatalf("corpus %s: %v", target, err)
		}
		args, err := parseCorpusFile(data)
		if err != nil {
			t.Fatalf("corpus %s/%s: %v", target, e.Name(), err)
		}
		if len(args) != len(kinds) {
			t.Fatalf("corpus %s/%s: %d arguments, want %d", target, e.Name(), len(args), len(kinds))
		}
		for i, a := range args {
			if !slices.Contains(kinds[i], a.kind) {
				t.Fatalf("corpus %s/%s: argument %d is %s, want one of %v", target, e.Name(), i, a.kind, kinds[i])
			}
		}
		out = append(out, corpusInput{file: e.Name(), args: args})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	if len(out) == 0 {
		t.Fatalf("corpus %s: empty", target)
	}
	return out
}

func TestParseCorpusFile(t *testing.T) {
	tests := []struct {
		in      string
		want    []corpusValue
		wantErr bool
	}{
		{in: "go test fuzz v1\n[]byte(\"\\x00a\")\nrune('\\x15')\n", want: []corpusValue{{kind: "[]byte", bytes: []byte{0, 'a'}}, {kind: "rune", num: 0x15}}},
		{in: "go test fuzz v1\nint32(-7)\nuint32(1048559)\nbyte('\\x00')\n", want: []corpusValue{{kind: "int32", num: -7}, {kind: "uint32", num: 1048559}, {kind: "byte"}}},
		{in: "go test fuzz v1\nstring(\"ruok\")\n", want: []corpusValue{{kind: "string", bytes: []byte("ruok")}}},
		{in: "go test fuzz v2\n[]byte(\"\")\n", wantErr: true},
		{in: "go test fuzz v1\nfloat64(1.5)\n", wantErr: true},
		{in: "go test fuzz v1\n[]byte(x)\n", wantErr: true},
	}
	for _, tc := range tests {
		got, err := parseCorpusFile([]byte(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: %d values, want %d", tc.in, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if got[i].kind != tc.want[i].kind || got[i].num != tc.want[i].num || !bytes.Equal(got[i].bytes, tc.want[i].bytes) {
				t.Errorf("%q value %d: %+v, want %+v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}
