package java

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// goldenDir is where the captured frames go (relative to this package).
const goldenDir = "../../proto/testdata/zk38"

// formatGolden renders one exchange in the format documented in
// proto/testdata/zk38/README.md.
func formatGolden(name string, x exchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: captured from Apache ZooKeeper 3.8 by TestCaptureGolden in compat/java\n", name)
	fmt.Fprintf(&b, "# (ZKD_CAPTURE_GOLDEN=1). Frames are whole, length prefix first.\n")
	fmt.Fprintf(&b, "# %s\n", strings.ReplaceAll(describe(x), "\n", " "))
	fmt.Fprintf(&b, "kind %s\n", x.kind)
	if x.kind == kindRequest {
		fmt.Fprintf(&b, "op %d %s\n", int32(x.op), x.op)
	}
	if x.req != nil {
		b.WriteString("request\n")
		writeHex(&b, x.req)
	}
	b.WriteString("response\n")
	writeHex(&b, x.resp)
	return b.String()
}

// writeHex writes 16 bytes a line, in groups of four, indented.
func writeHex(b *strings.Builder, data []byte) {
	for off := 0; off < len(data); off += 16 {
		end := min(off+16, len(data))
		b.WriteString(" ")
		for g := off; g < end; g += 4 {
			b.WriteString(" ")
			b.WriteString(hex.EncodeToString(data[g:min(g+4, end)]))
		}
		b.WriteString("\n")
	}
}

// selectGolden keeps the first exchange of each variant.
func selectGolden(xs []exchange) map[string]exchange {
	out := map[string]exchange{}
	for _, x := range xs {
		name := variant(x)
		if _, ok := out[name]; !ok {
			out[name] = x
		}
	}
	return out
}

// writeGolden replaces the golden directory's .txt files with one file per
// variant and returns the names written, sorted.
func writeGolden(dir string, sel map[string]exchange) ([]string, error) {
	old, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, fmt.Errorf("list golden files: %w", err)
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return nil, fmt.Errorf("remove old golden file: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create golden dir: %w", err)
	}
	var names []string
	for name := range sel {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name+".txt")
		if err := os.WriteFile(path, []byte(formatGolden(name, sel[name])), 0o644); err != nil {
			return nil, fmt.Errorf("write golden file: %w", err)
		}
	}
	return names, nil
}
