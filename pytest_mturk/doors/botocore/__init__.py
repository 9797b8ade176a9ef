"""The botocore door: boto3's (and aiobotocore's) ``mturk`` clients, answered in process.

``bootstrap`` is what botocore meets first (light: imported with the plugin, before
botocore itself); ``hooks`` answers a call (``before-call``, ``before-send``) and
``short_way`` says when a client may skip botocore's request; ``bodies``, ``replies``
and ``callers`` read a call and write its answer; ``credentials`` gives sessions the
simulator's fallback keys and region; ``guard`` reaches clients made before the import;
``private`` is every read of botocore's private attributes.

Nothing here is imported at package import time: the package's name is the door's, and
``import botocore`` in its modules is botocore itself (imports are absolute).
"""
