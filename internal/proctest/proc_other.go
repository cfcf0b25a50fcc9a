//go:build !linux

package proctest

import "os/exec"

// SetProcAttr does nothing where the kernel cannot kill a process when its
// parent dies: there, t.Cleanup alone stops the servers.
func SetProcAttr(*exec.Cmd) {}
