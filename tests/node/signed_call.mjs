// Signed calls through the Node SDK's MTurk client: GetAccountBalance twice with the keys
// given (the SDK sets its signing clock from the first answer's Date header).
// Usage: node signed_call.mjs <endpoint URL> <access key> <secret key>. Prints the second
// balance, or the error the SDK raised (its name, HTTP status and message), as JSON.
import { MTurkClient, GetAccountBalanceCommand } from "@aws-sdk/client-mturk";

const [endpoint, accessKeyId, secretAccessKey] = process.argv.slice(2);
const client = new MTurkClient({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId, secretAccessKey },
  maxAttempts: 1,
});
try {
  await client.send(new GetAccountBalanceCommand({}));
  const balance = await client.send(new GetAccountBalanceCommand({}));
  console.log(JSON.stringify({ balance: balance.AvailableBalance }));
} catch (error) {
  console.log(
    JSON.stringify({
      name: error.name,
      status: error.$metadata?.httpStatusCode,
      message: error.message,
    }),
  );
}
