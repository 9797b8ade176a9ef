// A HIT's whole life through the Node SDK's MTurk client, against pytest-mturk's server:
// create it, read it, a simulated worker accepts and submits (the control API), approve.
// Usage: node hit_flow.mjs <server base URL> <endpoint URL> <control token>. Prints what it
// saw as JSON.
import {
  MTurkClient,
  CreateHITCommand,
  GetHITCommand,
  ListAssignmentsForHITCommand,
  ApproveAssignmentCommand,
  GetAccountBalanceCommand,
} from "@aws-sdk/client-mturk";

const [base, endpoint, token] = process.argv.slice(2);
const client = new MTurkClient({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret" },
  maxAttempts: 1,
});

async function control(path, body) {
  const response = await fetch(`${base}_mturk/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const question =
  '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/' +
  '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL>' +
  "<FrameHeight>600</FrameHeight></ExternalQuestion>";

const created = await client.send(
  new CreateHITCommand({
    Title: "Label an image",
    Description: "Say what the picture shows",
    Reward: "0.50",
    LifetimeInSeconds: 3600,
    AssignmentDurationInSeconds: 600,
    MaxAssignments: 1,
    Question: question,
  }),
);
const hitId = created.HIT.HITId;
const read = await client.send(new GetHITCommand({ HITId: hitId }));
const { assignment_id: assignmentId } = await control("workers/A1B2C3D4E5F6G7/accept", {
  hit_id: hitId,
});
await control("workers/A1B2C3D4E5F6G7/submit", { assignment_id: assignmentId });
await client.send(new ApproveAssignmentCommand({ AssignmentId: assignmentId }));
const listed = await client.send(new ListAssignmentsForHITCommand({ HITId: hitId }));
let missing;
try {
  await client.send(new GetHITCommand({ HITId: "3".repeat(30) }));
} catch (error) {
  missing = { name: error.name, status: error.$metadata.httpStatusCode };
}
const balance = await client.send(new GetAccountBalanceCommand({}));
console.log(
  JSON.stringify({
    hitId,
    title: read.HIT.Title,
    creationTime: read.HIT.CreationTime.toISOString(),
    assignmentId,
    statuses: listed.Assignments.map((a) => a.AssignmentStatus),
    missing,
    balance: balance.AvailableBalance,
  }),
);
