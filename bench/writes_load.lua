-- wrk script of bench/writes_load.py: one task write per request, as a client sends it.
-- writes_load.py puts before it: op ("create", "update", "comment", "status"), token,
-- nonce (unique per run), nthreads, projects (ids) and tasks ({id, version, status}, as the
-- database holds them before the run).
--
-- create and comment send a unique Idempotency-Key; update and status send If-Match with the
-- task's current version. A task is out of its thread's queue while a PATCH of it is in
-- flight and comes back with the version (and status) its answer carries, so no two requests
-- race on one task and every If-Match is current.

local threads_made = 0
local counter = 0
local queue = {}

function setup(thread)
  thread:set("tid", threads_made)
  threads_made = threads_made + 1
end

function init(args)
  for i, task in ipairs(tasks) do
    if (i - 1) % nthreads == tid then
      queue[#queue + 1] = {task[1], task[2], task[3]}
    end
  end
end

local function headers()
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

local function key()
  return string.format("%s-%d-%d", nonce, tid, counter)
end

request = function()
  counter = counter + 1
  local sent = headers()
  if op == "create" then
    local project = projects[(counter + tid) % #projects + 1]
    sent["Idempotency-Key"] = key()
    local body = string.format('{"title":"bench %d","priority":"high"}', counter)
    return wrk.format("POST", "/api/v1/projects/" .. project .. "/tasks", sent, body)
  end
  local task = table.remove(queue, 1)
  if op == "comment" then
    queue[#queue + 1] = task -- a comment leaves the task as it is
    sent["Idempotency-Key"] = key()
    local path = "/api/v1/tasks/" .. task[1] .. "/comments"
    return wrk.format("POST", path, sent, '{"body":"bench comment"}')
  end
  sent["If-Match"] = '"' .. task[2] .. '"'
  local body
  if op == "update" then
    body = string.format('{"title":"bench %s %d"}', nonce, counter)
  elseif task[3] == "todo" then
    body = '{"status":"in_progress"}'
  else
    body = '{"status":"todo"}'
  end
  return wrk.format("PATCH", "/api/v1/tasks/" .. task[1], sent, body)
end

if op == "update" or op == "status" then
  response = function(status, headers, body)
    local id = string.match(body, '"id":"([^"]+)"')
    if id ~= nil then
      local version = tonumber(string.match(body, '"version":(%d+)'))
      queue[#queue + 1] = {id, version, string.match(body, '"status":"([^"]+)"')}
    end
  end
end
