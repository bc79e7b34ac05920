// Package report turns a directory of zkbench JSON results into Markdown
// tables that put servers side by side. Results are grouped by workload
// and by label (the -label a run was given, e.g. "zookeeper" or "zkd");
// each metric is shown as the median over repetitions with the min–max
// range, and the ratio of the second label's median to the first's. Which
// metrics a workload shows, and whether higher or lower is better, is one
// table in metrics.go.
package report
