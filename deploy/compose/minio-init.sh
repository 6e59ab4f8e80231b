#!/bin/sh
# Run once by compose.yaml (service minio-init), and again at every `docker compose up`: create
# Invigil's bucket with versioning, and an access key that may use that bucket only. Every step
# may be repeated.
set -eu

mc alias set invigil http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" > /dev/null
mc mb --ignore-existing "invigil/$S3_BUCKET"
# Versions of overwritten or deleted objects are kept: a mistake can be undone.
mc version enable "invigil/$S3_BUCKET"

policy=/tmp/invigil-bucket-policy.json
cat > "$policy" <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET"]
    },
    {
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts"
      ],
      "Resource": ["arn:aws:s3:::$S3_BUCKET/*"]
    }
  ]
}
POLICY
mc admin policy create invigil invigil-bucket "$policy"
mc admin user add invigil "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY"
# Attaching a policy that is already attached fails; the key then has it already.
mc admin policy attach invigil invigil-bucket --user "$S3_ACCESS_KEY_ID" ||
  echo "policy invigil-bucket already attached to $S3_ACCESS_KEY_ID"
echo "bucket $S3_BUCKET and key $S3_ACCESS_KEY_ID ready"
