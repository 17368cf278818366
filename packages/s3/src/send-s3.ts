import type { S3Client } from '@aws-sdk/client-s3'
import { mapS3Error } from './map-s3-error.js'

/**
 * Sends one S3 command with an optional abort signal and maps its failure to an `S3Error` naming
 * `where`. `Output` is the command's output type (the SDK's overloads do not compose through a
 * generic wrapper).
 */
export async function sendS3<Output>(
  client: S3Client,
  command: object,
  where: string,
  signal?: AbortSignal,
): Promise<Output> {
  const send = client.send.bind(client) as (command: unknown, options?: object) => Promise<unknown>
  try {
    return (await send(command, signal === undefined ? {} : { abortSignal: signal })) as Output
  } catch (error) {
    throw mapS3Error(error, where)
  }
}
