<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>deadiff::ui::MainWindow</name>
    <message>
        <location filename="../ui/main_window.cpp" line="30" />
        <source>DEADiff Studio</source>
        <translation>DEADiff 风格工作室</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="37" />
        <source>LibTorch %1 · threads: %2 · %3 · %4</source>
        <translation>LibTorch %1 · 线程数：%2 · %3 · %4</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="41" />
        <source>bfloat16 available</source>
        <translation>支持 bfloat16</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="41" />
        <source>float32 only</source>
        <translation>仅支持 float32</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="52" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="53" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="57" />
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="58" />
        <source>&amp;Choose Model…</source>
        <translation>选择模型(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="62" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="63" />
        <source>&amp;About DEADiff Studio</source>
        <translation>关于 DEADiff 风格工作室(&amp;A)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="64" />
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="73" />
        <source>Choose a model to start</source>
        <translation>请先选择一个模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="82" />
        <source>DEADiff Studio paints your prompt in the style of a reference image.
It needs a DEADiff checkpoint (deadiff_v1.ckpt or .safetensors).</source>
        <translation>DEADiff 风格工作室会按照参考图像的风格绘制提示词描述的画面。
它需要一个 DEADiff 模型文件（deadiff_v1.ckpt 或 .safetensors）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="89" />
        <source>Choose Model…</source>
        <translation>选择模型…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="113" />
        <source>Choose a DEADiff Model</source>
        <translation>选择 DEADiff 模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="114" />
        <source>Checkpoints (*.safetensors *.ckpt *.pth *.pt);;All files (*)</source>
        <translation>模型文件 (*.safetensors *.ckpt *.pth *.pt);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="128" />
        <source>No model chosen.</source>
        <translation>尚未选择模型。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="134" />
        <source>The model file %1 no longer exists. Choose another one.</source>
        <translation>模型文件 %1 已不存在，请重新选择。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="136" />
        <source>The model file %1 cannot be read (permissions?).</source>
        <translation>无法读取模型文件 %1（请检查权限）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="139" />
        <source>Model: %1 (%2 MB)</source>
        <translation>模型：%1（%2 MB）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="147" />
        <source>About DEADiff Studio</source>
        <translation>关于 DEADiff 风格工作室</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="148" />
        <source>&lt;h3&gt;DEADiff Studio %1&lt;/h3&gt;&lt;p&gt;Stylize Stable Diffusion 1.5 with a reference image without losing the prompt: DEADiff (Qi et al., CVPR 2024) as a native desktop application.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DEADiff 风格工作室 %1&lt;/h3&gt;&lt;p&gt;用一张参考图像为 Stable Diffusion 1.5 赋予风格，同时忠实于提示词：DEADiff（Qi 等，CVPR 2024）的原生桌面应用。&lt;/p&gt;</translation>
    </message>
</context>
</TS>