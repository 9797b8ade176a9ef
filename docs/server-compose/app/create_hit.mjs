// The compose example's application: creates a HIT in the simulated sandbox and lists HITs.
// (npm install @aws-sdk/client-mturk in this folder first.)
import { MTurkClient, CreateHITCommand, ListHITsCommand } from "@aws-sdk/client-mturk";

const client = new MTurkClient({ endpoint: process.env.MTURK_ENDPOINT });
const question =
  '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/' +
  '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL>' +
  "<FrameHeight>600</FrameHeight></ExternalQuestion>";
const { HIT } = await client.send(
  new CreateHITCommand({
    Title: "Label an image",
    Description: "Say what the picture shows",
    Reward: "0.50",
    LifetimeInSeconds: 3600,
    AssignmentDurationInSeconds: 600,
    Question: question,
  }),
);
const listed = await client.send(new ListHITsCommand({}));
console.log(`created ${HIT.HITId}; ${listed.NumResults} HIT(s) in the sandbox`);
