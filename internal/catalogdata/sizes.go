package catalogdata

import (
	"fmt"
	"strconv"
	"strings"
)

// SizesEnv names the variable that lists the catalog sizes benchmarks run
// at, such as 10000,100000,1000000.
const SizesEnv = "COMMERCE_BENCH_SIZES"

// Sizes parses the value of SizesEnv: a comma-separated list of sizes, or
// 10,000 alone when it is empty — the size CI runs.
func Sizes(v string) ([]int, error) {
	if v == "" {
		return []int{10_000}, nil
	}
	var sizes []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q: want sizes such as 10000,100000", SizesEnv, v)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}
