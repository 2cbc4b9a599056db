"""Decide many cases at once: batches on a process pool or a Dask cluster, policy-impact reports
between versions, CMS-0057-F prior-authorization metrics from decision records, synthetic cases."""
