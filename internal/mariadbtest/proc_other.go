//go:build !linux

package mariadbtest

import "os/exec"

// setProcAttr does nothing where the kernel cannot kill a process when its
// parent dies: there, t.Cleanup alone stops the servers.
func setProcAttr(*exec.Cmd) {}
