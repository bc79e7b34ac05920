package diff

// Shrink reduces ops to a shorter stream for which fails still reports
// true, by delta debugging: it drops chunks of ops (halves, quarters, ...
// down to single ops), then sub-ops of multi and multiRead. It calls fails
// at most budget times and returns the smallest failing stream found and
// the number of calls made. fails must be true for ops itself.
func Shrink(ops []Op, fails func([]Op) bool, budget int) ([]Op, int) {
	calls := 0
	try := func(cand []Op) bool {
		if calls >= budget {
			return false
		}
		calls++
		return fails(cand)
	}
	cur := append([]Op(nil), ops...)
	n := 2
	for len(cur) >= 2 && calls < budget {
		chunk := (len(cur) + n - 1) / n
		reduced := false
		for start := 0; start < len(cur) && calls < budget; start += chunk {
			end := min(start+chunk, len(cur))
			cand := append(append([]Op(nil), cur[:start]...), cur[end:]...)
			if len(cand) > 0 && try(cand) {
				cur = cand
				n = max(n-1, 2)
				reduced = true
				break
			}
		}
		if reduced {
			continue
		}
		if n >= len(cur) {
			break
		}
		n = min(2*n, len(cur))
	}
	// Drop sub-ops one at a time.
	for i := 0; i < len(cur) && calls < budget; i++ {
		for j := 0; j < len(cur[i].Sub) && calls < budget; {
			cand := append([]Op(nil), cur...)
			op := cand[i]
			op.Sub = append(append([]Op(nil), op.Sub[:j]...), op.Sub[j+1:]...)
			cand[i] = op
			if try(cand) {
				cur = cand
				continue
			}
			j++
		}
	}
	return cur, calls
}
