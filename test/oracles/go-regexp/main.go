// Command go-regexp-oracle answers, for each JSON line {"pattern", "input"} on stdin, what Go's regexp package does
// with it: the regexp.Compile error text (upstream KMM's webhook and findKernelMapping compile kernel-mapping
// regexps with regexp.Compile / regexp.MatchString), whether the pattern matches the input anywhere, and the
// submatches of the leftmost match (null for a group that did not participate). One JSON line out per line in, so
// a property test can stream thousands of cases through one process. Standard library only.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
)

type request struct {
	Pattern string `json:"pattern"`
	Input   string `json:"input"`
}

type response struct {
	CompileError *string   `json:"compileError"`
	Match        bool      `json:"match"`
	Groups       []*string `json:"groups"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<16), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			os.Stderr.WriteString("go-regexp-oracle: bad request line: " + err.Error() + "\n")
			os.Exit(2)
		}
		_ = enc.Encode(answer(req))
		// Flush per answer: the caller writes one line and waits for one line.
		_ = out.Flush()
	}
	if err := in.Err(); err != nil {
		os.Stderr.WriteString("go-regexp-oracle: " + err.Error() + "\n")
		os.Exit(2)
	}
}

func answer(req request) response {
	re, err := regexp.Compile(req.Pattern)
	if err != nil {
		msg := err.Error()
		return response{CompileError: &msg, Groups: []*string{}}
	}
	res := response{Match: re.MatchString(req.Input), Groups: []*string{}}
	idx := re.FindStringSubmatchIndex(req.Input)
	for i := 0; i+1 < len(idx); i += 2 {
		if idx[i] < 0 {
			res.Groups = append(res.Groups, nil)
			continue
		}
		g := req.Input[idx[i]:idx[i+1]]
		res.Groups = append(res.Groups, &g)
	}
	return res
}
