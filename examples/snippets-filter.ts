import { SchemaRegistry } from 'scimkit';
import { compileFilter, parseFilter } from 'scimkit/store-kit';

const User = new SchemaRegistry().resourceType('User')!;
const matches = compileFilter(parseFilter('emails[type eq "work" and value ew "@example.com"]'), User);
console.log(matches({ userName: 'a', emails: [{ type: 'work', value: 'a@example.com' }] })); // true
