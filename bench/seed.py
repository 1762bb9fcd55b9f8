#!/usr/bin/env python3
"""seed.py - give each server of the benchmark (bench/run.sh) the same
data, through its HTTP API only:

    bench/seed.py BASE_URL [USERS] [POSTS]

registers USERS users (default 2: bench1@example.com, ...; one password),
logs each in, and creates POSTS posts (default 1000) in turn as each user,
every tenth unpublished.  Prints shell assignments for the scenarios:

    token=<user 1's access token>
    post_id=<the id of the middle post>
    post_id_min=<the first post's id>
    post_id_max=<the last post's id>
    login_email=bench1@example.com
    login_password=...

The ids must be consecutive (a fresh database), so that the wrk and
pgbench scripts can pick any id between post_id_min and post_id_max.

Any answer other than the one the contract gives fails the seeding, so a
server that is not the application (or not empty) is not measured.
"""
import json
import sys
import urllib.error
import urllib.request

PASSWORD = "bench-password-1"


def call(base, method, path, body=None, token=None, want=200):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            status, text = res.status, res.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    if status != want:
        sys.exit(f"seed: {method} {path} answered {status}, not {want}: {text[:200]!r}")
    return json.loads(text)


def main():
    base = sys.argv[1].rstrip("/")
    nusers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    nposts = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    tokens = []
    for i in range(1, nusers + 1):
        email = f"bench{i}@example.com"
        call(base, "POST", "/auth/register",
             {"name": f"Bench User {i}", "email": email, "password": PASSWORD}, want=201)
        login = call(base, "POST", "/auth/login", {"email": email, "password": PASSWORD})
        tokens.append(login["access_token"])
    ids = []
    for n in range(nposts):
        post = {
            "title": f"Post {n + 1}: notes on benchmarking",
            "content": ("A post of a few sentences, as a blog has them. " * 6
                        + f"This is number {n + 1}."),
            "published": n % 10 != 9,
        }
        ids.append(call(base, "POST", "/posts", post, token=tokens[n % nusers], want=201)["id"])
    if not ids:
        sys.exit("seed: at least one post is needed")
    if ids != list(range(ids[0], ids[0] + len(ids))):
        sys.exit(f"seed: post ids are not consecutive ({ids[0]}..{ids[-1]} for {len(ids)} posts)")
    print(f"token={tokens[0]}")
    print(f"post_id={ids[len(ids) // 2]}")
    print(f"post_id_min={ids[0]}")
    print(f"post_id_max={ids[-1]}")
    print("login_email=bench1@example.com")
    print(f"login_password={PASSWORD}")


if __name__ == "__main__":
    main()
