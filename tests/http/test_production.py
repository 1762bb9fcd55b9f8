"""test_production.py - the server as kore.prod.conf runs it: Kore's
workers chrooted into a directory of their own and running as an
unprivileged user (nobody), Kore's sandbox on; the application's files
laid out inside the root as README.md ("Production") says."""
import os
import pwd
import shutil
import subprocess
import unittest

from harness import REPO, Server, direct_only


@direct_only("starts its own server with privilege separation")
@unittest.skipUnless(os.geteuid() == 0, "chroot and a user change need root")
class PrivsepTest(unittest.TestCase):
    def test_workers_chrooted_as_nobody(self):
        nobody = pwd.getpwnam("nobody")
        root = os.path.realpath(os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                             f"apiroot-{os.getpid()}"))
        os.makedirs(os.path.join(root, "sql"))
        shutil.copytree(os.path.join(REPO, "sql/queries"), os.path.join(root, "sql/queries"))
        for d in ("uploads", ".kore-bodies"):
            os.makedirs(os.path.join(root, d))
            os.chown(os.path.join(root, d), nobody.pw_uid, -1)
        for f in ("requests.log", "login_log.txt", "outbox.txt"):
            open(os.path.join(root, f), "w").close()
            os.chown(os.path.join(root, f), nobody.pw_uid, -1)
        # Paths relative to the root: the parent (not chrooted, started in
        # the root) and the workers (chrooted there) read them alike.
        env = {"UPLOAD_DIR": "uploads", "REQUEST_LOG": "requests.log",
               "LOGIN_LOG": "login_log.txt", "OUTBOX": "outbox.txt",
               "QUERIES_DIR": "sql/queries", "STATIC_DIR": "static"}
        srv = Server(env=env, privsep=True, cwd=root,
                     kore_extra=f"root {root}\nrunas nobody\nhttp_body_disk_path /.kore-bodies\n")
        try:
            srv.wait_ready()
            users = subprocess.run(["ps", "-o", "user=,args=", "--ppid", str(srv.proc.pid)],
                                   capture_output=True, text=True).stdout
            workers = [l.split()[0] for l in users.splitlines() if "wrk" in l]
            self.assertTrue(workers and set(workers) == {"nobody"}, users)
            for pid in subprocess.run(["pgrep", "-P", str(srv.proc.pid)], capture_output=True,
                                      text=True).stdout.split():
                with open(f"/proc/{pid}/cmdline") as f:
                    if "wrk" in f.read():
                        self.assertEqual(os.readlink(f"/proc/{pid}/root"), root)
            self.assertEqual(srv.request("GET", "/").status, 200)
            r = srv.request("POST", "/auth/register",
                            body={"name": "Root", "email": "root@example.com",
                                  "password": "correct-horse-42"})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(srv.request("GET", "/posts?page=1").status, 200)
        finally:
            rc = srv.stop()
            with open(os.path.join(root, "requests.log")) as f:
                log = f.read()
            shutil.rmtree(root, ignore_errors=True)
        self.assertEqual(rc, 0, "\n".join(srv.lines[-20:]))
        self.assertIn("POST /auth/register 201", log)
        self.assertFalse(srv.sanitizer_reports(), "\n".join(srv.lines))


if __name__ == "__main__":
    unittest.main()
