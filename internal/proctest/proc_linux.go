package proctest

import (
	"os/exec"
	"syscall"
)

// SetProcAttr has the kernel kill the process when the test binary that
// started it dies, so that a test killed by its timeout leaves no server
// running.
func SetProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
