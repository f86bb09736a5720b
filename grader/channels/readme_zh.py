"""The student bundle's README in Chinese (``grader.channels.release.readme`` under ``zh``).

A document of its own rather than dozens of msgids: it says what the English README says, in
the words the course uses (``grader/locale/zh/GLOSSARY.md``), around the same commands, tables
and code, which ``release.readme`` computes for both.
"""

from __future__ import annotations

HEADING = "机器学习练习"


def due(when: str) -> str:
    return f"\n\n截止时间：**{when}**。"


def text(heading: str, due: str, command: str, validate: str, first: str, table: str, rules: str) -> str:
    """The README: ``due`` is ``due(...)`` or empty; ``first``, an exercise's name for the example."""
    return f"""# {heading}

`exercises/`里的每个文件都是一个待填写的模板：函数已经声明好，文档字符串写明了形状和要计算什么，\
现在每个函数都只会抛出`NotImplementedError`。把它们补全，然后用`{command}`检查你的代码。{due}

## 准备环境（只需一次）

    python -m venv .venv
    . .venv/bin/activate     # Windows：.venv\\Scripts\\activate
    pip install torch --index-url https://download.pytorch.org/whl/cpu   # CPU版就够用
    pip install .            # 安装mlgrade和其他依赖库

Windows、macOS和Linux都能用，需要Python 3.11或更高版本。在Windows和macOS上，你的代码在\
单独的进程里运行，每次调用有时间限制，但没有内存限制（输出里会写"isolation: portable"）。\
正式评分在Linux上进行。

如果你的环境里已经装好了PyTorch，可以跳过torch那一行：`pip install .`会保留它。\
不加那一行的话，pip可能会去下载大得多的GPU版。

## 练习

| 文件 | 主题 | 函数 | 分值 |
|---|---|---|---|
{table}

## 检查你的代码

    {command}                      # 所有练习
    {command} {first}  # 一个练习
    {command} --path my/folder     # 模块不在exercises/里时
    {validate}                     # 提交作业前：模块找得到、名字对、能导入

在这个文件夹里运行。每个你已经动手做的练习都会得到一张表，每个检查一个标记；没通过的检查会说明\
哪里出了问题，并给出能暴露问题的最小失败输入；最后是所有练习的汇总。没通过的检查下面还会显示那次\
调用中你的代码最先打印的几行，所以用`print`调试完全可行。只要还有检查没通过，它的退出状态就是1\
（全部通过时为0），所以也可以在脚本里调用它；`mlgrade check --json`以JSON格式输出结果。

这些是**公开检查**。你提交的作业会用它们和**隐藏检查**一起评分：隐藏检查用更多的输入、边界情况，\
并与参考实现比较。公开检查全部通过是个好兆头，但不能保证满分。

## 规则

- 不要改文件名、函数名，也不要改函数的参数。
- 按文档字符串的要求返回：形状、数据类型、Python数字还是张量。
- 不要原地修改输入。
- 每个函数都不能调用那些会直接替你完成练习的库函数。用了的话，这个函数的分全部扣掉：

{rules}

- 凡是要你自己写梯度的地方，都禁止使用自动求导（`torch.autograd`、`.backward()`、`requires_grad`）。
- 你的代码在隔离的进程里运行：不能联网，不能访问它自己文件夹以外的文件，不能启动子进程。\
一个函数卡死或崩溃，只会丢掉它自己的分，不影响其他函数。

## 提交作业

先运行`mlgrade validate`：它会告诉你每个模块是否找得到、名字对不对、能否导入、该有的函数是否都有，\
以及有没有文件太大、评分时无法复制（总共64 MiB；你的Python模块总是优先）。文件夹可以提交时，\
它的退出状态为0。然后按课程的要求，提交`exercises/`文件夹或它的.zip压缩包。
"""
