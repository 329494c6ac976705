"""Start moto server for Entity Lockdown's tests and demo, tuned for many short tests.

Two settings change how fast moto is, not what it answers:

* LOCKDOWN_MOTO_MANAGED_POLICIES: a comma-separated list of AWS managed policy names to load
  (or "all"). With MOTO_IAM_LOAD_MANAGED_POLICIES=true moto builds all ~1,500 AWS managed policies
  for every account it sees; the tests only need a handful, and building them dominated test time.
* moto's reset re-initialises every backend of every account and region it has seen and then throws
  them away. Skipping the generic re-initialisation (BaseBackend.reset) keeps the same end state at a
  fraction of the cost, so each test pays only for the accounts and regions it uses. Services whose
  reset also cleans shared state (S3's global bucket index, Batch's job threads) still run that
  cleanup: they override reset and call the now cheap base method.

Both are applied only when moto's internals look as expected; otherwise a warning is printed and
moto runs unchanged. Arguments are passed on to moto.server.
"""
import json
import os
import sys


def _warn(message):
    print("moto_launcher: " + message, file=sys.stderr, flush=True)


def _trim_managed_policies():
    wanted = os.environ.get("LOCKDOWN_MOTO_MANAGED_POLICIES", "").strip()
    if not wanted or wanted == "all":
        return
    try:
        import moto.iam.models as iam_models
        names = {n.strip() for n in wanted.split(",") if n.strip()}
        data = json.loads(iam_models.aws_managed_policies_data)
        kept = {name: policy for name, policy in data.items() if name in names}
        missing = sorted(names - kept.keys())
        if missing:
            _warn("unknown managed policies not loaded: " + ", ".join(missing))
        iam_models.aws_managed_policies_data = json.dumps(kept)
    except (ImportError, AttributeError, ValueError) as error:
        _warn("managed policies not trimmed: %r" % (error,))


def _fast_reset():
    try:
        from moto.core import base_backend
        base = base_backend.BaseBackend
        backend_dict = base_backend.BackendDict
        if not hasattr(base, "reset") or not hasattr(backend_dict, "_instances"):
            raise AttributeError("BaseBackend.reset or BackendDict._instances")
    except (ImportError, AttributeError) as error:
        _warn("reset not sped up: %r" % (error,))
        return

    def reset(self):
        # BackendDict.reset drops every backend right after resetting it; rebuilding it first
        # (loading managed policies, default VPCs, AMIs ...) was wasted work.
        pass

    base.reset = reset


if __name__ == "__main__":
    _trim_managed_policies()
    _fast_reset()
    from moto.server import main

    main(sys.argv[1:])
